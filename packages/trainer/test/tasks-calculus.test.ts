import { describe, expect, it } from "vitest";
import {
  derivativeScaling,
  interleaveGradient,
  pixelGradient,
  pixelLaplacian,
  targetGradient,
} from "../src/calculus.ts";
import { sampleImage } from "./tasks-images.ts";

const sample = (width: number, height: number, fs: Array<(x: number, y: number) => number>) =>
  sampleImage(width, height, fs).data;

function maxError(a: Float32Array, b: Float32Array, keep: (i: number) => boolean = () => true): number {
  let err = 0;
  for (let i = 0; i < a.length; i++) if (keep(i)) err = Math.max(err, Math.abs(a[i] - b[i]));
  return err;
}

// A non-square image so a mix-up of the x and y scalings shows.
const W = 33;
const H = 17;
const interior = (channels: number) => (i: number) => {
  const p = Math.floor(i / channels);
  const r = Math.floor(p / W);
  const c = p % W;
  return r > 0 && r < H - 1 && c > 0 && c < W - 1;
};

describe("finite differences in [-1, 1] units", () => {
  it("scales a per-pixel difference by (N - 1) / 2 per derivative order", () => {
    expect(derivativeScaling(256, 128, "s")).toEqual({
      stencil: "s",
      gradientScale: [127.5, 63.5],
      laplacianScale: [127.5 ** 2, 63.5 ** 2],
    });
  });

  it("central differences are exact for a quadratic inside, first-order accurate at the border", () => {
    const f = (x: number, y: number) => 0.4 * x * x + 0.5 * x * y - 0.3 * y * y + 0.2 * x;
    const fx = (x: number, y: number) => 0.8 * x + 0.5 * y + 0.2;
    const fy = (x: number, y: number) => 0.5 * x - 0.6 * y;
    const g = pixelGradient(sample(W, H, [f]), W, H, 1);
    expect(maxError(g.dx, sample(W, H, [fx]), interior(1))).toBeLessThan(1e-5);
    expect(maxError(g.dy, sample(W, H, [fy]), interior(1))).toBeLessThan(1e-5);
    // One-sided at the border: off by half a pixel step times f'' (at most 0.6 * (2 / 16) / 2 here).
    expect(maxError(g.dy, sample(W, H, [fy]))).toBeLessThan(0.04);
    expect(maxError(g.dy, sample(W, H, [fy]))).toBeGreaterThan(1e-3);
  });

  it("the supervised gradient is exact for a degree-6 polynomial inside and a quadratic everywhere", () => {
    const q = (x: number, y: number) => 0.4 * x * x + 0.5 * x * y - 0.3 * y * y + 0.2 * x;
    const qx = (x: number, y: number) => 0.8 * x + 0.5 * y + 0.2;
    const qy = (x: number, y: number) => 0.5 * x - 0.6 * y;
    const gq = targetGradient(sample(W, H, [q]), W, H, 1);
    expect(maxError(gq.dx, sample(W, H, [qx]))).toBeLessThan(1e-5);
    expect(maxError(gq.dy, sample(W, H, [qy]))).toBeLessThan(1e-5);
    const p = (x: number, y: number) => 0.3 * x ** 6 - 0.2 * x ** 5 * y + 0.4 * y ** 6;
    const px = (x: number, y: number) => 1.8 * x ** 5 - x ** 4 * y;
    const py = (x: number, y: number) => -0.2 * x ** 5 + 2.4 * y ** 5;
    const deep = (i: number) => {
      const r = Math.floor(i / W);
      const c = i % W;
      return r >= 3 && r < H - 3 && c >= 3 && c < W - 3;
    };
    const gp = targetGradient(sample(W, H, [p]), W, H, 1);
    expect(maxError(gp.dx, sample(W, H, [px]), deep)).toBeLessThan(1e-5);
    expect(maxError(gp.dy, sample(W, H, [py]), deep)).toBeLessThan(1e-5);
    // The 2nd-order stencil is not exact there.
    expect(maxError(pixelGradient(sample(W, H, [p]), W, H, 1).dy, sample(W, H, [py]), deep)).toBeGreaterThan(1e-3);
  });

  it("the supervised gradient keeps a 4-pixel wave's amplitude, central differences lose a third", () => {
    // cos(k x) with k h = pi / 2: 2nd order answers sin(k h) / h = 0.64 k, 6th order 0.93 k.
    const n = 64;
    const k = Math.PI / 2 / (2 / (n - 1));
    const image = sample(n, 8, [(x: number) => Math.cos(k * x)]);
    const amplitude = (g: Float32Array) => {
      let sum = 0;
      for (let c = 3; c < n - 3; c++) sum += g[4 * n + c] ** 2;
      return Math.sqrt((2 * sum) / (n - 6)) / k;
    };
    expect(amplitude(targetGradient(image, n, 8, 1).dx)).toBeGreaterThan(0.92);
    expect(amplitude(pixelGradient(image, n, 8, 1).dx)).toBeLessThan(0.65);
  });

  it("the 5-point Laplacian is exact for a quadratic everywhere, border included", () => {
    const f = (x: number, y: number) => 0.4 * x * x + 0.5 * x * y - 0.3 * y * y;
    const lap = pixelLaplacian(sample(W, H, [f]), W, H, 1);
    expect(maxError(lap, new Float32Array(lap.length).fill(0.8 - 0.6))).toBeLessThan(1e-3);
  });

  it("converges to the analytic derivatives of a sine image, channel by channel", () => {
    const fs = [(x: number, y: number) => Math.sin(2 * x + 1) * Math.cos(1.5 * y), (x: number) => Math.cos(3 * x)];
    const fx = [
      (x: number, y: number) => 2 * Math.cos(2 * x + 1) * Math.cos(1.5 * y),
      (x: number) => -3 * Math.sin(3 * x),
    ];
    const fy = [(x: number, y: number) => -1.5 * Math.sin(2 * x + 1) * Math.sin(1.5 * y), () => 0];
    const lapF = [
      (x: number, y: number) => -6.25 * Math.sin(2 * x + 1) * Math.cos(1.5 * y),
      (x: number) => -9 * Math.cos(3 * x),
    ];
    const image = sample(W, H, fs);
    const g = pixelGradient(image, W, H, 2);
    const lap = pixelLaplacian(image, W, H, 2);
    // Second-order accurate inside: errors of order h^2 |f'''| / 6 with h = 2 / 16.
    expect(maxError(g.dx, sample(W, H, fx), interior(2))).toBeLessThan(0.02);
    expect(maxError(g.dy, sample(W, H, fy), interior(2))).toBeLessThan(0.02);
    expect(maxError(lap, sample(W, H, lapF), interior(2))).toBeLessThan(0.1);
    expect(maxError(lap, sample(W, H, lapF))).toBeLessThan(1.5);
  });

  it("interleaves dx and dy into the [N, C, 2] layout of the gradient output", () => {
    const g = { dx: Float32Array.of(1, 2), dy: Float32Array.of(3, 4) };
    expect(Array.from(interleaveGradient(g))).toEqual([1, 3, 2, 4]);
  });

  it("rejects values that do not match the image size", () => {
    expect(() => pixelGradient(new Float32Array(10), 4, 4, 1)).toThrow(/at least 2x2 with 16 values/);
    expect(() => pixelLaplacian(new Float32Array(4), 2, 2, 1)).toThrow(/at least 3x3/);
  });
});
