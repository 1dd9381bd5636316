import { describe, expect, it } from "vitest";
import { absPercentile, channelMean, colorize, directionPicture, hsvToRgb, kthSmallest } from "../src/colormaps.ts";
import { SeededRandom } from "../src/random.ts";

const pixel = (rgba: Uint8ClampedArray, i: number) => Array.from(rgba.subarray(4 * i, 4 * i + 4));

describe("colormaps", () => {
  it("maps image values from [-1, 1] to [0, 255], clipping and counting what it clips", () => {
    const { rgba, normalisation } = colorize(new Float32Array([-1, 0, 1, 3]), "image", 1);
    expect([pixel(rgba, 0), pixel(rgba, 1), pixel(rgba, 2), pixel(rgba, 3)]).toEqual([
      [0, 0, 0, 255],
      [128, 128, 128, 255],
      [255, 255, 255, 255],
      [255, 255, 255, 255],
    ]);
    expect(normalisation).toContain("25.00% of values clipped");
    expect(pixel(colorize(new Float32Array([-1, 0, 1]), "image", 3).rgba, 0)).toEqual([0, 128, 255, 255]);
  });

  it("draws signed derivatives with a colormap symmetric around zero (white), saturating at the percentile", () => {
    const values = new Float32Array(200).map((_, i) => (i % 2 ? 1 : -1) * (i / 100));
    const { rgba, normalisation } = colorize(values, "laplacian", 1);
    const zero = pixel(rgba, 0);
    expect(Math.min(...zero.slice(0, 3))).toBeGreaterThan(240);
    const negative = pixel(rgba, 198); // -1.98, beyond the 99th percentile: saturated blue
    const positive = pixel(rgba, 199); // +1.99: saturated red
    expect(negative).toEqual([5, 48, 97, 255]);
    expect(positive).toEqual([103, 0, 31, 255]);
    const inside = pixel(rgba, 99); // +0.99, about half-way to saturation
    expect(inside[0]).toBeGreaterThan(inside[2]);
    expect(inside).not.toEqual(positive);
    expect(normalisation).toMatch(/^laplacian: diverging blue-white-red, symmetric ±1\.97 \(99th percentile/);
  });

  it("shows the gradient direction as hue and its magnitude as brightness", () => {
    const gradient = new Float32Array([1, 0, 0, 1, -1, 0, 0, 0]);
    const { rgba } = colorize(gradient, "gradient", 1);
    expect(pixel(rgba, 0)).toEqual([255, 0, 0, 255]); // +x: red
    expect(pixel(rgba, 1)).toEqual([128, 255, 0, 255]); // +y (down): hue 90 degrees
    expect(pixel(rgba, 2)).toEqual([0, 255, 255, 255]); // -x: cyan
    expect(pixel(rgba, 3)).toEqual([0, 0, 0, 255]); // zero gradient: black
  });

  it("takes the channel mean for derivative pictures of RGB models", () => {
    const rgb = new Float32Array([1, 2, 3, -3, -3, -3]);
    expect(Array.from(channelMean(rgb, 3))).toEqual([2, -3]);
    expect(colorize(rgb, "gradient-x", 3).normalisation).toMatch(/mean over channels$/);
    expect(colorize(new Float32Array([0, 1]), "gradient-magnitude", 1).normalisation).toMatch(
      /^gradient-magnitude: viridis/,
    );
  });

  it("computes percentiles of |value| ignoring non-finite values", () => {
    const values = new Float32Array(1000).map((_, i) => (i % 2 ? -1 : 1) * (i + 1));
    values[5] = Number.NaN;
    expect(absPercentile(values, 50)).toBe(501);
    expect(absPercentile(values, 100)).toBe(1000);
    expect(absPercentile(new Float32Array(), 99)).toBe(0);
    expect(hsvToRgb(2 / 3, 1, 1)).toEqual([0, 0, 1]);
  });

  it("colours gradient directions exactly as hsvToRgb does, pixel by pixel", () => {
    const rng = new SeededRandom(9);
    const gradient = Float32Array.from({ length: 2000 }, () => rng.uniform(-2, 2));
    gradient[0] = 0;
    gradient[1] = 0; // a zero gradient: black
    const rgba = directionPicture(gradient, 1.5);
    for (let i = 0; i < 1000; i++) {
      const [dx, dy] = [gradient[2 * i], gradient[2 * i + 1]];
      const hue = (Math.atan2(dy, dx) / (2 * Math.PI) + 1) % 1;
      const rgb = hsvToRgb(hue, 1, Math.min(1, Math.sqrt(dx * dx + dy * dy) / 1.5)).map((c) => Math.round(255 * c));
      expect(Array.from(rgba.subarray(4 * i, 4 * i + 3)).map((c, k) => Math.abs(c - rgb[k]))).toEqual([0, 0, 0]);
    }
  });

  it("selects the k-th smallest value exactly as a sort would (random, sorted, constant, repeated)", () => {
    const rng = new SeededRandom(3);
    const makers = [() => rng.uniform(-1, 1), (i: number) => i, () => 1, (i: number) => i % 7, (i: number) => -i];
    for (const make of makers) {
      for (const n of [1, 2, 3, 10, 1001]) {
        const values = Float32Array.from({ length: n }, (_, i) => make(i));
        const sorted = values.slice().sort();
        for (const k of [0, 1, n >> 1, n - 2, n - 1].filter((k) => k >= 0 && k < n)) {
          expect(kthSmallest(values.slice(), k)).toBe(sorted[k]);
        }
      }
    }
  });
});
