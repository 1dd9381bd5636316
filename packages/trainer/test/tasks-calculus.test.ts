import { describe, expect, it } from "vitest";
import { derivativeScaling, interleaveGradient, pixelGradient, pixelLaplacian } from "../src/calculus.ts";
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
