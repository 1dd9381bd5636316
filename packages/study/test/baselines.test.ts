import { coordToPixel, pixelToCoord, regionGrid } from "@siren-onnx/core";
import type { ImageData } from "@siren-onnx/trainer";
import { describe, expect, it } from "vitest";
import {
  boxDownsample,
  constantFloorPsnr,
  delaunayInterpolate,
  derivativeMatch,
  upsample,
  zoomInput,
  zoomRegion,
} from "../src/index.ts";

/** An image whose channel c is fs[c](x, y) at the pixel centres (x, y in pixel units). */
function image(width: number, height: number, fs: Array<(x: number, y: number) => number>): ImageData {
  const channels = fs.length as 1 | 3;
  const data = new Float32Array(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = fs[c](x, y);
  return { width, height, channels, data };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe("the constant floor", () => {
  it("is the PSNR of each channel's mean: half the pixels at -1 and half at +1 give MSE 0.25, 6.02 dB", () => {
    const halves = image(4, 4, [(x) => (x < 2 ? -1 : 1), () => 0.5]);
    // Channel 0: mean 0, every pixel 1 off in model units = 0.5 in [0, 1] units; channel 1: exact.
    expect(constantFloorPsnr(halves.data, 2)).toBeCloseTo(10 * Math.log10(1 / (0.25 / 2)), 10);
    // The mean is the best constant: any other constant scores lower.
    const single = image(4, 4, [(x) => (x < 2 ? -1 : 1)]);
    expect(constantFloorPsnr(single.data, 1)).toBeCloseTo(10 * Math.log10(4), 10);
  });
});

describe("zoom: downsampling, upsampling and what the model is shown", () => {
  it("box-downsamples to block means and upsamples centre-aligned: a ramp comes back exactly (bicubic)", () => {
    const ramp = image(16, 8, [(x, y) => 0.05 * x - 0.03 * y]);
    const small = boxDownsample(ramp, 2);
    expect([small.width, small.height]).toEqual([8, 4]);
    expect(small.data[0]).toBeCloseTo((0.05 * (0 + 1) - 0.03 * (0 + 1)) / 2, 6);
    const up = upsample(small, 16, 8, "bicubic");
    const interior = (i: number) => {
      const x = i % 16;
      const y = Math.floor(i / 16);
      return x >= 3 && x < 13 && y >= 3 && y < 5;
    };
    const err = Array.from(up.data).reduce((m, v, i) => (interior(i) ? Math.max(m, Math.abs(v - ramp.data[i])) : m), 0);
    expect(err).toBeLessThan(1e-6);
    const lanczos = upsample(small, 16, 8, "lanczos3");
    expect(
      maxDiff(lanczos.data.subarray(16 * 3 + 3, 16 * 3 + 13), ramp.data.subarray(16 * 3 + 3, 16 * 3 + 13)),
    ).toBeLessThan(5e-3);
  });

  it("places the full-resolution pixels where the small pixels' blocks are", () => {
    for (const [n, f] of [
      [8, 2],
      [16, 4],
    ]) {
      const region = zoomRegion(n, n, f);
      for (const i of [0, 1, n * f - 1]) {
        const coord = pixelToCoord(i, n * f, region.x0, region.x1);
        expect(coordToPixel(coord, n)).toBeCloseTo((i + 0.5) / f - 0.5, 10);
      }
    }
    expect(regionGrid(2, 2, zoomRegion(8, 8, 2))[0]).toBeLessThan(-1);
  });

  it("shows the model only the block means: changing pixels inside a block without changing its mean changes nothing", () => {
    // Multiples of 1/64 and a checkerboard of +-1/4: every block mean is exact in float32.
    const full = image(16, 16, [(x, y) => Math.round(40 * Math.sin(x / 3) * Math.cos(y / 5)) / 64]);
    for (const factor of [2, 4]) {
      const shown = zoomInput(full, factor);
      expect([shown.width, shown.height]).toEqual([16 / factor, 16 / factor]);
      // The checkerboard sums to zero over every even block.
      const checker = (i: number) => (((i % 16) + Math.floor(i / 16)) % 2 === 0 ? 0.25 : -0.25);
      const altered = { ...full, data: full.data.map((v, i) => v + checker(i)) };
      expect(Array.from(zoomInput(altered, factor).data)).toEqual(Array.from(shown.data));
      // ... while the full image did change, and a change of a block mean does show.
      expect(maxDiff(altered.data, full.data)).toBeGreaterThan(0.1);
      const shifted = { ...full, data: full.data.map((v, i) => (i === 0 ? v + 0.5 : v)) };
      expect(maxDiff(zoomInput(shifted, factor).data, shown.data)).toBeGreaterThan(0.5 / factor ** 2 - 0.01);
      // 8-bit, as the saved PNG holds it.
      for (const v of shown.data)
        expect(Math.abs(((v + 1) / 2) * 255 - Math.round(((v + 1) / 2) * 255))).toBeLessThan(1e-4);
    }
  });
});

describe("inpainting by linear interpolation on a Delaunay triangulation", () => {
  it("is exact for a plane inside the known pixels' hull and nearest-known outside it", () => {
    const w = 20;
    const h = 12;
    const plane = (x: number, y: number) => 0.02 * x - 0.05 * y + 0.1;
    // Known: the four corners of an inner rectangle and a few points inside it.
    const known = [
      [2, 2],
      [15, 2],
      [2, 9],
      [15, 9],
      [7, 5],
      [11, 7],
    ].map(([x, y]) => y * w + x);
    const values = Float32Array.from(known, (p) => plane(p % w, Math.floor(p / w)));
    const out = delaunayInterpolate(w, h, 1, known, values);
    for (let y = 2; y <= 9; y++) for (let x = 2; x <= 15; x++) expect(out[y * w + x]).toBeCloseTo(plane(x, y), 5);
    expect(out[0]).toBeCloseTo(values[0], 6); // (0, 0): nearest known is (2, 2)
    expect(out[h * w - 1]).toBeCloseTo(values[3], 6); // (19, 11): nearest is (15, 9)
  });

  it("falls back to the nearest known pixel when the points do not span a triangle", () => {
    const out = delaunayInterpolate(5, 1, 1, [0, 4], Float32Array.from([-1, 1]));
    expect(Array.from(out)).toEqual([-1, -1, -1, 1, 1]);
  });
});

describe("derivative match", () => {
  it("is r = 1 for a scaled copy and flags a constant map", () => {
    const ref = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i));
    expect(
      derivativeMatch(
        ref.map((v) => 2 * v),
        ref,
      ).correlation,
    ).toBeCloseTo(1, 10);
    expect(derivativeMatch(ref, ref).psnr).toBeGreaterThan(200);
    const flat = derivativeMatch(new Float32Array(50), ref);
    expect([flat.constant, flat.correlation]).toEqual([true, 0]);
    // The floor is what a map of zeros scores, whatever the model's map.
    expect(flat.psnr).toBeCloseTo(flat.floor, 10);
    expect(derivativeMatch(ref, ref).floor).toBeCloseTo(flat.floor, 10);
  });
});
