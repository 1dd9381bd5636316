"""Independent PyTorch implementation of the reference SIREN (Sitzmann et al. 2020), used by
`pnpm bench` for the machine's matmul peak and by `pnpm bench:quality`. (The step times of
`pnpm bench` come from gpu_anchor.py, the same steps bench/gpu-check.sh times on a GPU.)
`fit` reads the training image as raw float32 values in [-1, 1] (written by the caller) so
that both sides fit exactly the same pixels.

usage: python3 torch_reference.py sgemm
       python3 torch_reference.py fit <pixels.f32> <size> <steps> <lr> <report_every> [<dx.f32> <dy.f32>]
Prints one JSON object per line.
"""
import json
import math
import os
import sys
import time

import torch

torch.set_num_threads(int(os.environ.get("SIREN_THREADS", "2")))


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


def sgemm():
    """The machine's matmul peak as PyTorch's BLAS reaches it: the SIREN layer's shape and a square one."""
    result = {}
    for name, (m, k, n) in (("65536x256x256", (65536, 256, 256)), ("2048", (2048, 2048, 2048))):
        a, b = torch.rand(m, k), torch.rand(k, n)
        out = torch.empty(m, n)
        for _ in range(2):
            torch.mm(a, b, out=out)
        times = []
        for _ in range(7):
            t0 = time.perf_counter()
            torch.mm(a, b, out=out)
            times.append(time.perf_counter() - t0)
        result[name] = 2 * m * k * n / sorted(times)[3] / 1e9
    print(json.dumps({"gflops": result}))


def fit(pixels_path, size, steps, lr, every, gradient_paths=None):
    """Full-batch Adam at a constant lr. With gradient_paths (dx.f32, dy.f32: the project's own
    targets), the loss is the Poisson task's: 0.5 (mse(d/dx) + mse(d/dy)) of the analytic gradient,
    and the image is only used for psnrAffine (a least-squares a * prediction + b first)."""
    np = __import__("numpy")
    torch.manual_seed(int(os.environ.get("SIREN_SEED", "0")))
    image = torch.from_numpy(np.fromfile(pixels_path, dtype="float32")).reshape(-1, 1)
    coords = grid(size)
    model = siren()
    init = os.environ.get("SIREN_INIT")
    if init:
        # The caller's initial weights (float32, each layer's weight [out, in] then bias [out]):
        # both implementations then start from the same point.
        flat = torch.from_numpy(np.fromfile(init, dtype="float32"))
        offset = 0
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(flat[offset : offset + p.numel()].reshape(p.shape))
                offset += p.numel()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    if gradient_paths:
        dx, dy = (torch.from_numpy(np.fromfile(p, dtype="float32")).reshape(-1, 1) for p in gradient_paths)
        x = coords.clone().requires_grad_(True)

    def loss_fn():
        if not gradient_paths:
            return ((model(coords) - image) ** 2).mean()
        g = torch.autograd.grad(model(x).sum(), x, create_graph=True)[0]
        return 0.5 * (((g[:, :1] - dx) ** 2).mean() + ((g[:, 1:] - dy) ** 2).mean())

    for step in range(1, steps + 1):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()
        if step % every == 0:
            with torch.no_grad():
                pred = model(coords)
                if gradient_paths:
                    a = torch.cat([pred, torch.ones_like(pred)], dim=1).double()
                    coef = torch.linalg.lstsq(a, image.double()).solution
                    pred = (a @ coef).float()
                mse = ((pred.clamp(-1, 1) - image) ** 2).mean().item()
            print(json.dumps({"step": step, "loss": loss.item(), "psnr": 10 * math.log10(4 / mse)}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "sgemm":
        sgemm()
    else:
        fit(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), sys.argv[7:9] or None)
