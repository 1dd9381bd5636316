"""Independent PyTorch implementation of the reference SIREN (Sitzmann et al. 2020), used by
`pnpm bench` for speed and quality comparisons. Reads the training image as raw float32
values in [-1, 1] (written by the caller) so that both sides fit exactly the same pixels.

usage: python3 torch_reference.py speed <size>
       python3 torch_reference.py fit <pixels.f32> <size> <steps> <lr> <report_every>
Prints one JSON object per line.
"""
import json
import math
import sys
import time

import torch

torch.set_num_threads(int(__import__("os").environ.get("SIREN_THREADS", "2")))


class Sine(torch.nn.Module):
    def __init__(self, fan_in, fan_out, first, omega0=30.0):
        super().__init__()
        self.omega0 = omega0
        self.linear = torch.nn.Linear(fan_in, fan_out)
        with torch.no_grad():
            bound = 1 / fan_in if first else math.sqrt(6 / fan_in) / omega0
            self.linear.weight.uniform_(-bound, bound)

    def forward(self, x):
        return torch.sin(self.omega0 * self.linear(x))


def siren(width=256, hidden=3, out=1, omega0=30.0):
    layers = [Sine(2, width, True, omega0)] + [Sine(width, width, False, omega0) for _ in range(hidden)]
    final = torch.nn.Linear(width, out)
    with torch.no_grad():
        bound = math.sqrt(6 / width) / omega0
        final.weight.uniform_(-bound, bound)
    return torch.nn.Sequential(*layers, final)


def grid(size):
    lin = torch.linspace(-1, 1, size)
    y, x = torch.meshgrid(lin, lin, indexing="ij")
    return torch.stack([x.reshape(-1), y.reshape(-1)], dim=-1)


def speed(size):
    torch.manual_seed(0)
    model = siren()
    coords = grid(size)
    target = torch.sin(coords[:, :1] * 3)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    result = {}
    for name, batch in (("full", coords.shape[0]), ("16384", 16384)):
        times = []
        for i in range(6):
            idx = torch.randint(0, coords.shape[0], (batch,)) if batch < coords.shape[0] else slice(None)
            t0 = time.perf_counter()
            opt.zero_grad()
            loss = ((model(coords[idx]) - target[idx]) ** 2).mean()
            loss.backward()
            opt.step()
            times.append(time.perf_counter() - t0)
        result[name] = 1000 * sorted(times[2:])[len(times[2:]) // 2]
    with torch.no_grad():
        t0 = time.perf_counter()
        model(coords)
        result["forward"] = 1000 * (time.perf_counter() - t0)
    print(json.dumps({"msPerStep": result}))


def fit(pixels_path, size, steps, lr, every):
    torch.manual_seed(0)
    target = torch.from_numpy(__import__("numpy").fromfile(pixels_path, dtype="float32")).reshape(-1, 1)
    coords = grid(size)
    model = siren()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for step in range(1, steps + 1):
        opt.zero_grad()
        loss = ((model(coords) - target) ** 2).mean()
        loss.backward()
        opt.step()
        if step % every == 0:
            with torch.no_grad():
                mse = ((model(coords).clamp(-1, 1) - target) ** 2).mean().item()
            print(json.dumps({"step": step, "psnr": 10 * math.log10(4 / mse)}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "speed":
        speed(int(sys.argv[2]))
    else:
        fit(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]))
