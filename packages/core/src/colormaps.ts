import type { RenderOutput } from "./render-outputs.ts";

/**
 * Pictures of model outputs, as in the SIREN paper's figures: the image mapped from [-1, 1];
 * the gradient as HSV (hue = direction, brightness = magnitude); signed derivatives with a
 * diverging colormap symmetric around zero; magnitudes with a sequential colormap.
 * Pure functions on Float32Arrays (no Node APIs): the CLI, the server and the browser share them.
 */

/** Percentile of |value| at which derivative pictures saturate. */
export const CLIP_PERCENTILE = 99;
/** Percentiles are taken over at most this many evenly strided values (exact below it). */
const PERCENTILE_SAMPLE = 1 << 20;

export interface Picture {
  /** Row-major RGBA, 4 bytes per point. */
  rgba: Uint8ClampedArray;
  /** How values were mapped to colours, for the user. */
  normalisation: string;
}

type Rgb = readonly [number, number, number];

/** Viridis, sampled at 9 evenly spaced points. */
const VIRIDIS: Rgb[] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** RdBu reversed: blue for negative, white at zero, red for positive. */
const BLUE_WHITE_RED: Rgb[] = [
  [5, 48, 97],
  [33, 102, 172],
  [146, 197, 222],
  [247, 247, 247],
  [244, 165, 130],
  [178, 24, 43],
  [103, 0, 31],
];

/** A 256-entry lookup table interpolating evenly spaced colour stops. */
function lookupTable(stops: Rgb[]): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (stops.length - 1);
    const k = Math.min(Math.floor(t), stops.length - 2);
    const f = t - k;
    for (let c = 0; c < 3; c++) lut[3 * i + c] = Math.round(stops[k][c] * (1 - f) + stops[k + 1][c] * f);
  }
  return lut;
}

const SEQUENTIAL_LUT = lookupTable(VIRIDIS);
const DIVERGING_LUT = lookupTable(BLUE_WHITE_RED);

/** Percentile q (0..100) of the finite |values| (0 when there are none). */
export function absPercentile(values: Float32Array, q: number): number {
  const stride = Math.max(1, Math.ceil(values.length / PERCENTILE_SAMPLE));
  const sample = new Float32Array(Math.ceil(values.length / stride));
  let n = 0;
  for (let i = 0; i < values.length; i += stride) {
    const v = Math.abs(values[i]);
    if (Number.isFinite(v)) sample[n++] = v;
  }
  if (n === 0) return 0;
  return kthSmallest(sample.subarray(0, n), Math.min(n - 1, Math.max(0, Math.ceil((q / 100) * n) - 1)));
}

/**
 * The k-th smallest value (0-based), as sorting would give, by quickselect in place: linear time,
 * so a 1280x720 picture's percentile takes milliseconds instead of a ~100 ms sort (the viewer
 * recolours on every channel switch).
 */
export function kthSmallest(values: Float32Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    // Median of three as the pivot keeps sorted or constant inputs linear.
    const mid = (lo + hi) >>> 1;
    const pivot = Math.max(Math.min(values[lo], values[mid]), Math.min(Math.max(values[lo], values[mid]), values[hi]));
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k];
  }
  return values[k];
}

/** Mean over the channels of [N, C] values (the values themselves when C = 1). */
export function channelMean(values: Float32Array, channels: number): Float32Array {
  if (channels === 1) return values;
  const n = values.length / channels;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += values[i * channels + c];
    out[i] = sum / channels;
  }
  return out;
}

function writeLut(rgba: Uint8ClampedArray, i: number, lut: Uint8Array, t: number): void {
  if (!Number.isFinite(t)) {
    rgba[4 * i + 3] = 255; // black for NaN
    return;
  }
  const k = 3 * Math.round(255 * Math.min(1, Math.max(0, t)));
  rgba[4 * i] = lut[k];
  rgba[4 * i + 1] = lut[k + 1];
  rgba[4 * i + 2] = lut[k + 2];
  rgba[4 * i + 3] = 255;
}

/** Image values in [-1, 1] units to grey or RGB: (v + 1) / 2, clipped to [0, 1]. */
export function imagePicture(values: Float32Array, channels: number): Picture {
  const n = values.length / channels;
  const rgba = new Uint8ClampedArray(4 * n);
  let clipped = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = values[i * channels + (channels === 1 ? 0 : c)];
      if (c < channels && (v < -1 || v > 1)) clipped++;
      rgba[4 * i + c] = Math.round(127.5 * (v + 1)); // the clamped array clips to [0, 255]
    }
    rgba[4 * i + 3] = 255;
  }
  const share = ((100 * clipped) / Math.max(1, values.length)).toFixed(2);
  return { rgba, normalisation: `image: (v + 1) / 2 clipped to [0, 1] (${share}% of values clipped)` };
}

/** Signed values with the diverging colormap, symmetric around zero, saturating at ±scale. */
export function divergingPicture(values: Float32Array, scale: number): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(4 * values.length);
  for (let i = 0; i < values.length; i++) writeLut(rgba, i, DIVERGING_LUT, (values[i] / scale + 1) / 2);
  return rgba;
}

/** Non-negative values with the sequential colormap, saturating at scale. */
export function sequentialPicture(values: Float32Array, scale: number): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(4 * values.length);
  for (let i = 0; i < values.length; i++) writeLut(rgba, i, SEQUENTIAL_LUT, values[i] / scale);
  return rgba;
}

/** Gradient [N, 2] (d/dx, d/dy) as HSV: hue = direction, full saturation, brightness = |g| / scale. */
export function directionPicture(gradient: Float32Array, scale: number): Uint8ClampedArray {
  const n = gradient.length / 2;
  const rgba = new Uint8ClampedArray(4 * n);
  for (let i = 0; i < n; i++) {
    const dx = gradient[2 * i];
    const dy = gradient[2 * i + 1];
    const hue = (Math.atan2(dy, dx) / (2 * Math.PI) + 1) % 1;
    // hsvToRgb(hue, 1, v) inlined (the same arithmetic, no array per pixel: 3x faster at 1280x720).
    const v = Math.min(1, Math.sqrt(dx * dx + dy * dy) / scale); // not Math.hypot: 5x slower in V8
    const sector = Math.floor(hue * 6) % 6;
    const f = hue * 6 - Math.floor(hue * 6);
    const q = v * (1 - f);
    const t = v * (1 - (1 - f));
    const p = v * 0;
    const at = 4 * i;
    rgba[at] = 255 * (sector === 0 || sector === 5 ? v : sector === 1 ? q : sector === 4 ? t : p);
    rgba[at + 1] = 255 * (sector === 1 || sector === 2 ? v : sector === 0 ? t : sector === 3 ? q : p);
    rgba[at + 2] = 255 * (sector === 3 || sector === 4 ? v : sector === 2 ? t : sector === 5 ? q : p);
    rgba[at + 3] = 255;
  }
  return rgba;
}

/** h, s, v in [0, 1] to r, g, b in [0, 1]. */
export function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const sector = Math.floor(h * 6) % 6;
  const f = h * 6 - Math.floor(h * 6);
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  switch (sector) {
    case 0:
      return [v, t, p];
    case 1:
      return [q, v, p];
    case 2:
      return [p, v, t];
    case 3:
      return [p, q, v];
    case 4:
      return [t, p, v];
    default:
      return [v, p, q];
  }
}

/** Mean over channels of a gradient [N, C, 2], as [N, 2]. */
function meanGradient(values: Float32Array, channels: number): Float32Array {
  if (channels === 1) return values;
  const n = values.length / (2 * channels);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels; c++) {
      out[2 * i] += values[2 * (i * channels + c)] / channels;
      out[2 * i + 1] += values[2 * (i * channels + c) + 1] / channels;
    }
  }
  return out;
}

function positiveScale(values: Float32Array): number {
  const s = absPercentile(values, CLIP_PERCENTILE);
  return s > 0 ? s : 1;
}

/** |mean gradient| per point, or the channel mean of a scalar output. */
function pictureValues(values: Float32Array, output: RenderOutput, channels: number): Float32Array {
  if (output !== "gradient") return channelMean(values, channels);
  const g = meanGradient(values, channels);
  const magnitude = new Float32Array(g.length / 2);
  for (let i = 0; i < magnitude.length; i++) magnitude[i] = Math.sqrt(g[2 * i] ** 2 + g[2 * i + 1] ** 2);
  return magnitude;
}

/** The value a derivative picture saturates at (the percentile colorize uses; 1 for the image). */
export function pictureScale(values: Float32Array, output: RenderOutput, channels: number): number {
  return output === "image" ? 1 : positiveScale(pictureValues(values, output, channels));
}

const fmt = (v: number) => String(+v.toPrecision(4));

/**
 * The picture of a render output's values ([N, C], or [N, C, 2] for the gradient, see
 * valuesPerPoint). Derivative pictures of RGB models show the mean over channels (which is
 * the derivative of the mean intensity); the raw values keep every channel.
 */
export function colorize(values: Float32Array, output: RenderOutput, channels: number, fixedScale?: number): Picture {
  if (output === "image") return imagePicture(values, channels);
  const mean = channels > 1 ? "; mean over channels" : "";
  const v = pictureValues(values, output, channels);
  // A fixed scale lets a progressive renderer colour tiles before the whole picture is known.
  const scale = fixedScale ?? positiveScale(v);
  const clip = fixedScale === undefined ? ` (${CLIP_PERCENTILE}th percentile)` : "";
  if (output === "gradient") {
    return {
      rgba: directionPicture(meanGradient(values, channels), scale),
      normalisation: `gradient: HSV, hue = direction atan2(d/dy, d/dx), brightness = |gradient| / ${fmt(scale)}${clip}, clipped${mean}`,
    };
  }
  if (output === "gradient-magnitude") {
    return {
      rgba: sequentialPicture(v, scale),
      normalisation: `gradient-magnitude: viridis from 0 to ${fmt(scale)}${clip}, clipped${mean}`,
    };
  }
  return {
    rgba: divergingPicture(v, scale),
    normalisation: `${output}: diverging blue-white-red, symmetric ±${fmt(scale)}${fixedScale === undefined ? ` (${CLIP_PERCENTILE}th percentile of |value|)` : ""}, clipped${mean}`,
  };
}
