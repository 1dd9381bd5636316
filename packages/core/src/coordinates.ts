import { UserError } from "./errors.ts";
/**
 * Coordinate convention (the official SIREN grid): (x, y), x to the right, y down;
 * -1 and +1 are the centres of the first and last pixel. Values outside [-1, 1] are out-of-sample.
 */

/** A rectangle of the coordinate plane: x0,y0 is the centre of the top-left pixel, x1,y1 of the bottom-right. */
export interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export const TRAINING_DOMAIN: Region = { x0: -1, y0: -1, x1: 1, y1: 1 };

/** Coordinate of pixel index i on an axis with n pixels spanning [a, b] (pixel centres). */
export function pixelToCoord(i: number, n: number, a = -1, b = 1): number {
  return n === 1 ? (a + b) / 2 : a + ((b - a) * i) / (n - 1);
}

/** Inverse of pixelToCoord (fractional pixel index). */
export function coordToPixel(c: number, n: number, a = -1, b = 1): number {
  return n === 1 ? 0 : ((c - a) * (n - 1)) / (b - a);
}

/** Row-major [height * width, 2] grid of (x, y) over a region; rows go down (y increases). */
export function regionGrid(width: number, height: number, region: Region = TRAINING_DOMAIN): Float32Array {
  const out = new Float32Array(width * height * 2);
  for (let r = 0; r < height; r++) {
    const y = pixelToCoord(r, height, region.y0, region.y1);
    for (let c = 0; c < width; c++) {
      const k = 2 * (r * width + c);
      out[k] = pixelToCoord(c, width, region.x0, region.x1);
      out[k + 1] = y;
    }
  }
  return out;
}

/** Rows [rowStart, rowEnd) of regionGrid, for tiled rendering. */
export function regionGridRows(
  width: number,
  height: number,
  region: Region,
  rowStart: number,
  rowEnd: number,
): Float32Array {
  const out = new Float32Array(width * (rowEnd - rowStart) * 2);
  for (let r = rowStart; r < rowEnd; r++) {
    const y = pixelToCoord(r, height, region.y0, region.y1);
    for (let c = 0; c < width; c++) {
      const k = 2 * ((r - rowStart) * width + c);
      out[k] = pixelToCoord(c, width, region.x0, region.x1);
      out[k + 1] = y;
    }
  }
  return out;
}

/** Coordinates of selected pixel indices of a width x height training grid. */
export function gridPoints(width: number, height: number, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * 2);
  for (let i = 0; i < indices.length; i++) {
    const p = indices[i];
    out[2 * i] = pixelToCoord(p % width, width);
    out[2 * i + 1] = pixelToCoord(Math.floor(p / width), height);
  }
  return out;
}

/** Parses "x0,y0,x1,y1" into a region; throws a one-line message when malformed. */
export function parseRegion(text: string): Region {
  const parts = text.split(",").map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length !== 4 || parts.some((p) => p === "") || nums.some((n) => !Number.isFinite(n))) {
    throw new UserError(`region "${text}": expected four finite numbers x0,y0,x1,y1`);
  }
  const [x0, y0, x1, y1] = nums;
  if (x0 === x1 || y0 === y1) throw new UserError(`region "${text}": x0 must differ from x1 and y0 from y1`);
  if (nums.some((n) => Math.abs(n) > 1e6))
    throw new UserError(`region "${text}": coordinates beyond +-1e6 are not supported`);
  return { x0, y0, x1, y1 };
}

export function formatRegion(r: Region): string {
  return [r.x0, r.y0, r.x1, r.y1].map((v) => +v.toPrecision(10)).join(",");
}

/** Derivative unit: one pixel step on an n-pixel axis is 2/(n-1) in coordinates. */
export function pixelsPerUnit(n: number): number {
  return (n - 1) / 2;
}
