"""Probes behind the README's "Why the Laplacian stays near 11 dB": SIREN fitted to the 5-point
Laplacian of a grey image at the grid points (full batch, Adam, cosine), with optional extra
terms, printing psnrAffine (the same affine fit as the trainer's) against step.

usage: /usr/bin/python3 bench/laplacian_probe.py key=value ...
  image=data/camera.png n=64 steps=150 lr=3e-4 w0=30
  border=ours|reflect   the target's border: ours (each axis reuses its nearest interior second
                        difference, calculus.ts) or reflect (scipy.ndimage.laplace's default, the
                        official SIREN code's target)
  neumann=W             + W * mean squared normal derivative on the border (zero Neumann)
  jitter=1              each step moves every point by up to half a pixel, with bilinear targets
  multiscale=P          + sum over sigma in 1,2,4,... of sigma^P * mean squared Gaussian-blurred residual
  stencil=W             + W * mean squared error of the 5-point Laplacian of the network's own
                        grid values (the classical solver's discrete problem)
Needs PIL and numpy beside torch (Debian: python3-pil, python3-numpy, python3-torch).
"""
import math
import os
import sys
import time

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(__file__))
from torch_reference import siren  # noqa: E402

torch.manual_seed(0)
args = dict(a.split("=", 1) for a in sys.argv[1:])
N = int(args.get("n", 64))
steps = int(args.get("steps", 150))
border = args.get("border", "ours")
neumann = float(args.get("neumann", 0))
jitter = float(args.get("jitter", 0))
multiscale = float(args.get("multiscale", 0))
stencil = float(args.get("stencil", 0))
image = Image.open(args.get("image", "data/camera.png")).convert("L").resize((N, N), Image.LANCZOS)
img = np.asarray(image, dtype=np.float64) / 255 * 2 - 1
scale = ((N - 1) / 2) ** 2  # one pixel step is 2 / (N - 1) in [-1, 1] units


def second_difference(a, axis, mode):
    a = a.movedim(axis, 0)
    if mode == "reflect":
        p = torch.cat([a[:1], a, a[-1:]])
        out = p[:-2] - 2 * p[1:-1] + p[2:]
    else:
        inner = a[:-2] - 2 * a[1:-1] + a[2:]
        out = torch.cat([inner[:1], inner, inner[-1:]])
    return out.movedim(0, axis)


def laplacian_stencil(a, mode):
    return scale * (second_difference(a, 0, mode) + second_difference(a, 1, mode))


target_grid = laplacian_stencil(torch.tensor(img, dtype=torch.float32), border)
lin = torch.linspace(-1, 1, N)
ys, xs = torch.meshgrid(lin, lin, indexing="ij")
coords = torch.stack([xs.ravel(), ys.ravel()], 1)
net = siren(omega0=float(args.get("w0", 30)))
opt = torch.optim.Adam(net.parameters(), lr=float(args.get("lr", 3e-4)))
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)


def jet(x):
    x = x.clone().requires_grad_(True)
    u = net(x)
    g = torch.autograd.grad(u.sum(), x, create_graph=True)[0]
    uxx = torch.autograd.grad(g[:, 0].sum(), x, create_graph=True)[0][:, 0]
    uyy = torch.autograd.grad(g[:, 1].sum(), x, create_graph=True)[0][:, 1]
    return u, g, (uxx + uyy)[:, None]


def bilinear(grid, x):
    h = 2 / (N - 1)
    gx = ((x[:, 0] + 1) / h).clamp(0, N - 1 - 1e-4)
    gy = ((x[:, 1] + 1) / h).clamp(0, N - 1 - 1e-4)
    ix, iy = gx.floor().long(), gy.floor().long()
    fx, fy = gx - ix, gy - iy
    ix1, iy1 = (ix + 1).clamp(max=N - 1), (iy + 1).clamp(max=N - 1)
    top = (1 - fx) * grid[iy, ix] + fx * grid[iy, ix1]
    bottom = (1 - fx) * grid[iy1, ix] + fx * grid[iy1, ix1]
    return ((1 - fy) * top + fy * bottom)[:, None]


# The reflect stencil's zero flux sits half a pixel outside the outer pixel centres.
edge = 1 + (1 / (N - 1) if border == "reflect" else 0)
t = torch.linspace(-1, 1, N)
border_x = torch.cat([torch.stack([torch.full_like(t, s), t], 1) for s in (-edge, edge)])
border_y = torch.cat([torch.stack([t, torch.full_like(t, s)], 1) for s in (-edge, edge)])


def blur_matrix(sigma):
    i = torch.arange(N, dtype=torch.float32)
    b = torch.exp(-((i[:, None] - i[None, :]) ** 2) / (2 * sigma**2))
    return b / b.sum(1, keepdim=True)


blurs = [(s, blur_matrix(s)) for s in (1, 2, 4, 8, 16, 32) if s < N / 2]


def psnr_affine(prediction):
    a = np.stack([prediction.ravel(), np.ones(prediction.size)], 1)
    coef, *_ = np.linalg.lstsq(a, img.ravel(), rcond=None)
    return 10 * np.log10(1 / np.mean(((a @ coef - img.ravel()) / 2) ** 2))


floor = 10 * np.log10(1 / np.mean(((img - img.mean()) / 2) ** 2))
print(f"# {args} floor (best constant image) {floor:.2f} dB", flush=True)
t0 = time.time()
for k in range(1, steps + 1):
    x, target = coords, target_grid.reshape(-1, 1)
    if jitter:
        x = coords + (torch.rand_like(coords) - 0.5) * jitter * 2 / (N - 1)
        target = bilinear(target_grid, x)
    u, _, lap = jet(x)
    loss = ((lap - target) ** 2).mean()
    if neumann:
        _, gx, _ = jet(border_x)
        _, gy, _ = jet(border_y)
        loss = loss + neumann * scale * ((gx[:, 0] ** 2).mean() + (gy[:, 1] ** 2).mean()) / 2
    if stencil or multiscale:
        residual = (lap - target).reshape(N, N)
        for sigma, b in blurs if multiscale else []:
            loss = loss + sigma**multiscale * ((b @ residual @ b.T) ** 2).mean()
        if stencil:
            values = (u if not jitter else net(coords)).reshape(N, N)
            loss = loss + stencil * ((laplacian_stencil(values, border) - target_grid) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    if k % max(1, steps // 5) == 0 or k == steps:
        with torch.no_grad():
            p = net(coords).numpy().reshape(N, N)
        print(f"{k}\t{time.time() - t0:.0f}s\tloss {loss.item():.3e}\tpsnrAffine {psnr_affine(p):.2f} dB", flush=True)
