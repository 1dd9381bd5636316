"""PyTorch anchor of bench/gpu-check.sh: the same SIREN training steps as `gpu-check bench
--preset reference` (2->4x256->1, omega0 30, 256x256 grid, Adam; value loss at batch 16384 and
65536, gradient and Laplacian losses at 16384), timed with PyTorch on CUDA and on the CPU, and
the summary table that puts them beside onnxruntime's figures.

usage: python3 gpu_anchor.py bench [cuda,cpu] [out.json]   writes one JSON object (after every row)
       python3 gpu_anchor.py summary node.json torch.json   prints a markdown table
"""
import json
import math
import os
import sys
import time


def siren(torch, width=256, hidden=3, omega0=30.0):
    class Sine(torch.nn.Module):
        def __init__(self, fan_in, fan_out, first):
            super().__init__()
            self.linear = torch.nn.Linear(fan_in, fan_out)
            with torch.no_grad():
                bound = 1 / fan_in if first else math.sqrt(6 / fan_in) / omega0
                self.linear.weight.uniform_(-bound, bound)

        def forward(self, x):
            return torch.sin(omega0 * self.linear(x))

    layers = [Sine(2, width, True)] + [Sine(width, width, False) for _ in range(hidden)]
    final = torch.nn.Linear(width, 1)
    with torch.no_grad():
        bound = math.sqrt(6 / width) / omega0
        final.weight.uniform_(-bound, bound)
    return torch.nn.Sequential(*layers, final)


def step_fn(torch, model, opt, supervision, coords, target):
    def grad(y, x):
        return torch.autograd.grad(y.sum(), x, create_graph=True)[0]

    def step():
        opt.zero_grad(set_to_none=True)
        if supervision == "value":
            loss = ((model(coords) - target) ** 2).mean()
        else:
            x = coords.detach().requires_grad_(True)
            g = grad(model(x), x)
            if supervision == "gradient":
                loss = 0.5 * (((g[:, :1] - target) ** 2).mean() + ((g[:, 1:] - target) ** 2).mean())
            else:
                lap = grad(g[:, 0], x)[:, :1] + grad(g[:, 1], x)[:, 1:]
                loss = ((lap - target) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    return step


def bench(devices, out_path=None):
    import torch

    rows = []
    side = 256
    lin = torch.linspace(-1, 1, side)
    y, x = torch.meshgrid(lin, lin, indexing="ij")
    grid = torch.stack([x.reshape(-1), y.reshape(-1)], dim=-1)
    work = [("value", 16384), ("value", 65536), ("gradient", 16384), ("laplacian", 16384)]
    info = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    if torch.cuda.is_available():
        info["cuda"] = torch.cuda.get_device_name(0)
        info["tf32"] = torch.backends.cuda.matmul.allow_tf32
    for dev in devices:
        if dev == "cuda" and not torch.cuda.is_available():
            rows.append({"device": "torch-cuda", "workload": "all", "error": "torch.cuda.is_available() is False"})
            continue
        sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
        for supervision, batch in work:
            torch.manual_seed(0)
            model = siren(torch).to(dev)
            opt = torch.optim.Adam(model.parameters(), lr=1e-4)
            coords = grid[:batch].to(dev)
            target = (0.5 * torch.sin(3 * coords[:, :1])).contiguous()
            step = step_fn(torch, model, opt, supervision, coords, target)
            runs, warmup = (10, 3) if dev == "cuda" else (5, 2)
            for _ in range(warmup):
                step()
            sync()
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                loss = step()
                loss.item()  # as onnxruntime returns the loss to the host every step
                sync()
                times.append(1000 * (time.perf_counter() - t0))
            times.sort()
            rows.append(
                {
                    "device": f"torch-{dev}",
                    "workload": f"{supervision} step, batch {batch}",
                    "ms": times[len(times) // 2],
                }
            )
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
            # Rewritten after every row: a run stopped by a time limit keeps what it measured.
            if out_path:
                with open(out_path, "w") as f:
                    json.dump({**info, "rows": rows}, f, indent=1)
    if not out_path:
        print(json.dumps({**info, "rows": rows}, indent=1))


def summary(node_path, torch_path):
    tables = {}
    columns = []

    def add(device, workload, value):
        if device not in columns:
            columns.append(device)
        tables.setdefault(workload, {})[device] = value

    notes = []
    if os.path.exists(node_path):
        node = json.load(open(node_path))
        notes.append(f"onnxruntime-node, preset {node['preset']} ({node['label']})")
        for r in node["rows"]:
            add(r["device"], r["workload"], r["ms"])
            if r["device"] == "webgpu":
                notes.append(f"webgpu adapter: {r['adapter'].removeprefix('webgpu: ')}")
    if os.path.exists(torch_path):
        try:
            t = json.load(open(torch_path))
            notes.append(f"PyTorch {t.get('torch')} ({t.get('cuda', 'no CUDA')}, TF32 matmul {t.get('tf32')}, {t.get('threads')} CPU threads)")
            for r in t["rows"]:
                if "ms" in r:
                    add(r["device"], r["workload"], r["ms"])
                else:
                    notes.append(f"{r['device']}: {r.get('error')}")
        except (ValueError, KeyError) as e:
            notes.append(f"PyTorch figures unreadable: {e}")
    print("# siren-onnx GPU check: ms (median)\n")
    for n in dict.fromkeys(notes):
        print(f"- {n}")
    print()
    print("| workload | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for workload, row in tables.items():
        cells = [f"{row[c]:.1f}" if c in row else "" for c in columns]
        print(f"| {workload} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "bench":
        bench((sys.argv[2] if len(sys.argv) > 2 else "cuda,cpu").split(","), sys.argv[3] if len(sys.argv) > 3 else None)
    elif len(sys.argv) == 4 and sys.argv[1] == "summary":
        summary(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
