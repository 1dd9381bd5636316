"""The polynomial coefficients of core's lowerTrig (packages/core/src/graph/lower-trig.ts).

Absolute-error minimax fits by the Remez exchange, in float64 with numpy, of
  cos(u) ~ c0 + c1 u^2 + ... + c4 u^8          (degree 8)
  sin(u) ~ u (s0 + s1 u^2 + ... + s4 u^8)      (degree 9)
on |u| <= pi/2 + 1/64 (the margin covers Round(x / 2pi) of a rounded product), then rounded to
float32. Run: python3 scripts/trig-coefficients.py
"""
import numpy as np


def remez(f, odd, n, b, iters=60):
    """n coefficients of sum_j c_j u^(2j + odd) minimising max |f - p| on [0, b]."""
    m = n + 1
    x = b * (1 - np.cos(np.linspace(0, np.pi, m))) / 2
    x[0] = 1e-3 * b if odd else 0.0
    grid = np.linspace(0, b, 200001)
    for _ in range(iters):
        a = np.array([[xi ** (2 * j + odd) for j in range(n)] + [(-1.0) ** i] for i, xi in enumerate(x)])
        c = np.linalg.solve(a, f(x))[:n]
        err = f(grid) - sum(c[j] * grid ** (2 * j + odd) for j in range(n))
        # One extremum per run of equal sign, then the n + 1 with the largest errors at the ends.
        s = np.where(err >= 0, 1, -1)
        idx, start = [], 0
        for i in range(1, len(grid) + 1):
            if i == len(grid) or s[i] != s[start]:
                seg = np.arange(start, i)
                idx.append(seg[np.argmax(np.abs(err[seg]))])
                start = i
        if len(idx) < m:
            break
        while len(idx) > m:
            idx = idx[1:] if abs(err[idx[0]]) < abs(err[idx[-1]]) else idx[:-1]
        x = grid[idx]
    return c, np.max(np.abs(err))


b = np.pi / 2 + 1 / 64
for name, f, odd in (("cos", np.cos, 0), ("sin", np.sin, 1)):
    c, e = remez(f, odd, 5, b)
    print(f"{name}: max error {e:.2e}", [repr(float(np.float32(v))) for v in c])
