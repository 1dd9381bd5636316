import { SeededRandom } from "@siren-onnx/core";
import { describe, expect, it } from "vitest";
import { pixelGradient, pixelLaplacian } from "../src/calculus.ts";
import {
  dct,
  fft,
  fitWithNullSpace,
  laplacianNullSpace,
  solveFromGradient,
  solveFromLaplacian,
} from "../src/poisson-solver.ts";

/**
 * A rough image in [-1, 1]: noise plus an edge, so every frequency and the borders matter. Its
 * values are multiples of 1/64, and with 17 or 33 pixels a side the unit scalings (N - 1) / 2 are
 * 8 and 16: calculus.ts's float32 differences are then exact, and a solver error shows as itself,
 * not as amplified input rounding.
 */
function roughImage(width: number, height: number, channels: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  const out = new Float32Array(width * height * channels);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      for (let ch = 0; ch < channels; ch++) {
        const edge = c > width / 3 ? 0.4 : -0.3;
        const v = edge + 0.5 * (rng.next() - 0.5) + 0.1 * ch;
        out[(r * width + c) * channels + ch] = Math.round(v * 64) / 64;
      }
    }
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function withoutMean(values: ArrayLike<number>, channels: number): Float64Array {
  const n = values.length / channels;
  const out = Float64Array.from(values);
  for (let ch = 0; ch < channels; ch++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += values[i * channels + ch] / n;
    for (let i = 0; i < n; i++) out[i * channels + ch] -= mean;
  }
  return out;
}

describe("FFT and DCT helpers", () => {
  it("match the direct sums at power-of-two and other lengths", () => {
    for (const n of [8, 12, 37]) {
      const rng = new SeededRandom(n);
      const x = Float64Array.from({ length: n }, () => rng.next() - 0.5);
      const re = Float64Array.from(x);
      const im = new Float64Array(n);
      fft(re, im);
      for (const k of [0, 1, n - 1]) {
        let sr = 0;
        let si = 0;
        for (let j = 0; j < n; j++) {
          sr += x[j] * Math.cos((2 * Math.PI * j * k) / n);
          si -= x[j] * Math.sin((2 * Math.PI * j * k) / n);
        }
        expect(Math.abs(re[k] - sr) + Math.abs(im[k] - si)).toBeLessThan(1e-12);
      }
      const d = dct(x);
      const k = 3;
      let direct = 0;
      for (let j = 0; j < n; j++) direct += x[j] * Math.cos((Math.PI * (j + 0.5) * k) / n);
      expect(d[k]).toBeCloseTo(Math.sqrt(2 / n) * direct, 12);
      expect(maxAbsDiff(dct(d, true), x)).toBeLessThan(1e-12);
    }
  });
});

describe("Poisson solver from the gradient", () => {
  it("recovers an image from its own finite-difference gradient to float precision, up to the constant", () => {
    for (const [w, h, channels] of [
      [33, 17, 1],
      [17, 17, 3],
      [2, 5, 1],
      [20, 12, 1], // inexact scalings and a Bluestein FFT length: float32 rounding of the gradient shows
    ]) {
      const image = roughImage(w, h, channels, w * h);
      const g = pixelGradient(image, w, h, channels);
      const solution = solveFromGradient(g.dx, g.dy, w, h, channels);
      // float32 output: half a unit in the last place of values near 1 is 6e-8.
      const exact = w !== 20;
      expect(maxAbsDiff(solution.values, withoutMean(image, channels))).toBeLessThan(exact ? 2.5e-7 : 2e-6);
      expect(solution.iterations).toBeGreaterThan(0);
      expect(solution.iterations).toBeLessThan(60); // condition number <= 4 after preconditioning
    }
  });

  it("is a least-squares solve: an inconsistent field gives the projection onto gradients", () => {
    const w = 12;
    const h = 9;
    const image = roughImage(w, h, 1, 1);
    const g = pixelGradient(image, w, h, 1);
    // Add a curl-only perturbation: the rotated gradient of a bump is not the gradient of anything.
    const bump = roughImage(w, h, 1, 2);
    const gb = pixelGradient(bump, w, h, 1);
    const dx = g.dx.map((v, i) => v - 0.1 * gb.dy[i]);
    const dy = g.dy.map((v, i) => v + 0.1 * gb.dx[i]);
    const u = solveFromGradient(dx, dy, w, h, 1).values;
    // Normal equations: the residual field is orthogonal to every gradient, here to G e_k.
    const gu = pixelGradient(u, w, h, 1);
    for (const k of [0, 17, w * h - 1]) {
      const e = new Float32Array(w * h);
      e[k] = 1;
      const ge = pixelGradient(e, w, h, 1);
      let s = 0;
      for (let i = 0; i < w * h; i++) s += (dx[i] - gu.dx[i]) * ge.dx[i] + (dy[i] - gu.dy[i]) * ge.dy[i];
      expect(Math.abs(s)).toBeLessThan(1e-2);
    }
    // And the perturbation did change the answer (the test above can fail).
    expect(maxAbsDiff(u, withoutMean(image, 1))).toBeGreaterThan(1e-3);
  });
});

describe("Poisson solver from the Laplacian", () => {
  it("has the null space 1, x, y, xy, x^2 - y^2 (scaled) for the border-reusing stencil", () => {
    const w = 11;
    const h = 7;
    for (const v of laplacianNullSpace(w, h)) {
      const lap = pixelLaplacian(Float32Array.from(v), w, h, 1);
      expect(maxAbsDiff(lap, new Float32Array(w * h))).toBeLessThan(1e-3);
    }
    // x^3 is not in it: its second difference changes along the row and the border rows reuse their neighbours'.
    const cubic = Float32Array.from({ length: w * h }, (_, i) => ((i % w) / w) ** 3);
    expect(maxAbsDiff(pixelLaplacian(cubic, w, h, 1), new Float32Array(w * h))).toBeGreaterThan(1);
  });

  it("recovers an image from its own 5-point Laplacian to float precision, up to that null space", () => {
    for (const [w, h, channels] of [
      [33, 17, 1],
      [17, 17, 3],
      [3, 5, 1],
      [20, 12, 1], // inexact scalings: the float32 Laplacian is rounded, and the border stencil amplifies it
    ]) {
      const image = roughImage(w, h, channels, w + h);
      const solution = solveFromLaplacian(pixelLaplacian(image, w, h, channels), w, h, channels);
      const exact = w !== 20;
      expect(solution.residual).toBeLessThan(exact ? 1e-12 : 1e-7);
      const fitted = fitWithNullSpace(solution.values, image, channels, laplacianNullSpace(w, h), { scale: false });
      expect(maxAbsDiff(fitted, image)).toBeLessThan(exact ? 2.5e-7 : 2e-5);
      // Without the null-space fit the answer is off by a ramp or a saddle.
      if (w > 3) expect(maxAbsDiff(solution.values, image)).toBeGreaterThan(1e-3);
    }
  });
});
