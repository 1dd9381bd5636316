import { describe, expect, it } from "vitest";
import {
  coordToPixel,
  formatRegion,
  gridPoints,
  parseRegion,
  pixelsPerUnit,
  pixelToCoord,
  regionGrid,
  regionGridRows,
  TRAINING_DOMAIN,
} from "../src/coordinates.ts";

/** (x, y) of pixel (column c, row r) in a row-major [h * w, 2] grid. */
const at = (grid: Float32Array, w: number, c: number, r: number) => [grid[2 * (r * w + c)], grid[2 * (r * w + c) + 1]];

describe("the SIREN coordinate grid", () => {
  it("puts exactly -1 and +1 at the centres of the corner pixels; x right, y down", () => {
    const [w, h] = [5, 3];
    const grid = regionGrid(w, h);
    expect(grid.length).toBe(w * h * 2);
    expect(at(grid, w, 0, 0)).toEqual([-1, -1]);
    expect(at(grid, w, w - 1, 0)).toEqual([1, -1]);
    expect(at(grid, w, 0, h - 1)).toEqual([-1, 1]);
    expect(at(grid, w, w - 1, h - 1)).toEqual([1, 1]);
    expect(at(grid, w, 2, 1)).toEqual([0, 0]);
    expect(at(grid, w, 1, 0)[0]).toBeCloseTo(-0.5, 7);
  });

  it("spaces pixels 2/(n-1) apart (the derivative unit)", () => {
    const n = 256;
    expect(pixelToCoord(1, n) - pixelToCoord(0, n)).toBeCloseTo(2 / (n - 1), 12);
    expect(pixelsPerUnit(n)).toBe((n - 1) / 2);
  });

  it("maps a single pixel to the centre of the region", () => {
    expect(pixelToCoord(0, 1)).toBe(0);
    expect(pixelToCoord(0, 1, 2, 4)).toBe(3);
    expect(coordToPixel(0.7, 1)).toBe(0);
  });

  it("coordToPixel inverts pixelToCoord, on any axis range", () => {
    for (const [n, a, b] of [
      [256, -1, 1],
      [7, -0.25, 0.75],
      [100, 3, -2],
    ]) {
      for (const i of [0, 1, n / 2, n - 1, 2.5, -3, n + 4]) {
        expect(coordToPixel(pixelToCoord(i, n, a, b), n, a, b)).toBeCloseTo(i, 9);
      }
    }
  });

  it("regionGridRows equals the matching rows of regionGrid, for any region", () => {
    const region = parseRegion("-0.5,0.25,1.5,-2");
    const [w, h] = [6, 9];
    const full = regionGrid(w, h, region);
    for (const [start, end] of [
      [0, 9],
      [0, 1],
      [3, 7],
      [8, 9],
    ]) {
      expect(regionGridRows(w, h, region, start, end)).toEqual(full.subarray(2 * w * start, 2 * w * end));
    }
    expect(at(full, w, 0, 0)).toEqual([-0.5, 0.25]);
    expect(at(full, w, w - 1, h - 1)).toEqual([1.5, -2]);
  });

  it("gridPoints picks pixels of the training grid by flat index", () => {
    const [w, h] = [4, 3];
    const grid = regionGrid(w, h, TRAINING_DOMAIN);
    const points = gridPoints(w, h, [0, 5, 11]);
    expect(Array.from(points)).toEqual([...at(grid, w, 0, 0), ...at(grid, w, 1, 1), ...at(grid, w, 3, 2)]);
  });
});

describe("parseRegion", () => {
  it("parses four numbers and round-trips through formatRegion", () => {
    const region = parseRegion(" -2, -1.5 ,3,1e-1");
    expect(region).toEqual({ x0: -2, y0: -1.5, x1: 3, y1: 0.1 });
    expect(parseRegion(formatRegion(region))).toEqual(region);
  });

  it.each([
    ["1,2,3", /expected four finite numbers/],
    ["1,2,3,4,5", /expected four finite numbers/],
    ["1,,3,4", /expected four finite numbers/],
    ["a,b,c,d", /expected four finite numbers/],
    ["0,0,Infinity,1", /expected four finite numbers/],
    ["1,0,1,2", /x0 must differ from x1 and y0 from y1/],
    ["0,2,1,2", /x0 must differ from x1 and y0 from y1/],
    ["0,0,1e7,1", /beyond \+-1e6/],
  ])("rejects %j with a one-line message naming the region", (text, message) => {
    expect(() => parseRegion(text)).toThrow(message);
    expect(() => parseRegion(text)).toThrow(`region "${text}"`);
  });
});
