/**
 * The classical and trivial references the study puts beside the networks: the best constant
 * image (the floor every table starts from), box downsampling with bicubic and Lanczos
 * upsampling (zoom), linear interpolation on a Delaunay triangulation (inpainting), and how
 * well a model's derivative maps match the image's finite differences. The Poisson solvers
 * live beside the pixel calculus (trainer/src/poisson-solver.ts).
 */

import { type ImageData, psnr } from "@siren-onnx/trainer";
import { Delaunay } from "d3-delaunay";

/** The best constant image in the PSNR sense: every pixel the channel's mean. */
export function constantImage(values: ArrayLike<number>, channels: number): Float32Array {
  const n = values.length / channels;
  const out = new Float32Array(values.length);
  for (let c = 0; c < channels; c++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += values[i * channels + c];
    mean /= n;
    for (let i = 0; i < n; i++) out[i * channels + c] = mean;
  }
  return out;
}

/** PSNR (dB, [0, 1] units) of the best constant image: the trivial floor of a reconstruction. */
export function constantFloorPsnr(values: ArrayLike<number>, channels: number): number {
  return psnr(constantImage(values, channels), values);
}

/**
 * Block means of factor x factor pixels (the side must be a multiple of the factor): a camera
 * with factor-times larger pixels. Low-resolution pixel j covers full-resolution pixels
 * f j .. f j + f - 1, so its centre is at full-resolution position (j + 1/2) f - 1/2.
 */
export function boxDownsample(image: ImageData, factor: number): ImageData {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(factor) || factor < 1 || width % factor !== 0 || height % factor !== 0) {
    throw new Error(`cannot box-downsample ${width}x${height} by ${factor}: the sides must be multiples of it`);
  }
  const w = width / factor;
  const h = height / factor;
  const out = new Float32Array(w * h * channels);
  const norm = 1 / (factor * factor);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const o = (Math.floor(r / factor) * w + Math.floor(c / factor)) * channels;
      const i = (r * width + c) * channels;
      for (let ch = 0; ch < channels; ch++) out[o + ch] += norm * data[i + ch];
    }
  }
  return { width: w, height: h, channels, data: out };
}

export type UpsampleKernel = "bicubic" | "lanczos3";

const KERNELS: Record<UpsampleKernel, { radius: number; weight: (x: number) => number }> = {
  // Keys' cubic convolution with a = -0.5 (Catmull-Rom), the usual "bicubic".
  bicubic: {
    radius: 2,
    weight: (x) => {
      const t = Math.abs(x);
      if (t <= 1) return 1.5 * t ** 3 - 2.5 * t ** 2 + 1;
      if (t < 2) return -0.5 * t ** 3 + 2.5 * t ** 2 - 4 * t + 2;
      return 0;
    },
  },
  lanczos3: {
    radius: 3,
    weight: (x) => {
      if (x === 0) return 1;
      if (Math.abs(x) >= 3) return 0;
      const px = Math.PI * x;
      return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
    },
  },
};

/** Per output index: the source taps (clamped at the border) and their normalised weights. */
function resampleTaps(from: number, to: number, kernel: UpsampleKernel) {
  const { radius, weight } = KERNELS[kernel];
  const scale = from / to;
  return Array.from({ length: to }, (_, i) => {
    // Centre alignment: output pixel i sits at input position (i + 1/2) from / to - 1/2.
    const t = (i + 0.5) * scale - 0.5;
    const first = Math.floor(t) - radius + 1;
    const taps: number[] = [];
    const weights: number[] = [];
    for (let j = first; j < first + 2 * radius; j++) {
      taps.push(Math.min(Math.max(j, 0), from - 1));
      weights.push(weight(t - j));
    }
    const sum = weights.reduce((a, b) => a + b, 0);
    return { taps, weights: weights.map((w) => w / sum) };
  });
}

/**
 * Separable upsampling by a kernel, centre-aligned with boxDownsample (sharp's enlargement is
 * offset by half an output pixel, so it is not used here), edges replicated, no clipping (the
 * PSNR clips as for any reconstruction).
 */
export function upsample(image: ImageData, width: number, height: number, kernel: UpsampleKernel): ImageData {
  const { channels, data } = image;
  const tx = resampleTaps(image.width, width, kernel);
  const ty = resampleTaps(image.height, height, kernel);
  const rows = new Float32Array(image.height * width * channels);
  for (let r = 0; r < image.height; r++) {
    for (let c = 0; c < width; c++) {
      const { taps, weights } = tx[c];
      for (let ch = 0; ch < channels; ch++) {
        let v = 0;
        for (let k = 0; k < taps.length; k++) v += weights[k] * data[(r * image.width + taps[k]) * channels + ch];
        rows[(r * width + c) * channels + ch] = v;
      }
    }
  }
  const out = new Float32Array(width * height * channels);
  for (let r = 0; r < height; r++) {
    const { taps, weights } = ty[r];
    for (let c = 0; c < width; c++) {
      for (let ch = 0; ch < channels; ch++) {
        let v = 0;
        for (let k = 0; k < taps.length; k++) v += weights[k] * rows[(taps[k] * width + c) * channels + ch];
        out[(r * width + c) * channels + ch] = v;
      }
    }
  }
  return { width, height, channels, data: out };
}

/**
 * Linear interpolation of the known pixels on their Delaunay triangulation (d3-delaunay), the
 * classical answer to inpainting; pixels outside the convex hull take the nearest known value.
 * Only the known pixels' values are read: `known` are pixel indices, `values` their [K, C] values.
 */
export function delaunayInterpolate(
  width: number,
  height: number,
  channels: number,
  known: ArrayLike<number>,
  values: ArrayLike<number>,
): Float32Array {
  const k = known.length;
  if (k === 0 || values.length !== k * channels) {
    throw new Error(`interpolation needs at least one known pixel with ${channels} values each`);
  }
  const xs = Float64Array.from({ length: k }, (_, i) => known[i] % width);
  const ys = Float64Array.from({ length: k }, (_, i) => Math.floor(known[i] / width));
  const points = new Float64Array(2 * k);
  for (let i = 0; i < k; i++) {
    points[2 * i] = xs[i];
    points[2 * i + 1] = ys[i];
  }
  const delaunay = new Delaunay(points);
  const out = new Float32Array(width * height * channels);
  const done = new Uint8Array(width * height);
  const { triangles } = delaunay;
  for (let t = 0; t < triangles.length; t += 3) {
    const [a, b, c] = [triangles[t], triangles[t + 1], triangles[t + 2]];
    const [ax, ay, bx, by, cx, cy] = [xs[a], ys[a], xs[b], ys[b], xs[c], ys[c]];
    const det = (by - cy) * (ax - cx) + (cx - bx) * (ay - cy);
    if (det === 0) continue; // degenerate (collinear) triangle
    const x0 = Math.max(0, Math.min(ax, bx, cx));
    const x1 = Math.min(width - 1, Math.max(ax, bx, cx));
    const y0 = Math.max(0, Math.min(ay, by, cy));
    const y1 = Math.min(height - 1, Math.max(ay, by, cy));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const p = y * width + x;
        if (done[p]) continue;
        // Integer pixel coordinates: the barycentric numerators are exact.
        const la = ((by - cy) * (x - cx) + (cx - bx) * (y - cy)) / det;
        const lb = ((cy - ay) * (x - cx) + (ax - cx) * (y - cy)) / det;
        const lc = 1 - la - lb;
        if (la < 0 || lb < 0 || lc < -1e-12) continue;
        for (let ch = 0; ch < channels; ch++) {
          out[p * channels + ch] =
            la * values[a * channels + ch] + lb * values[b * channels + ch] + lc * values[c * channels + ch];
        }
        done[p] = 1;
      }
    }
  }
  let hint = 0;
  for (let p = 0; p < width * height; p++) {
    if (done[p]) continue;
    hint = delaunay.find(p % width, Math.floor(p / width), hint);
    for (let ch = 0; ch < channels; ch++) out[p * channels + ch] = values[hint * channels + ch];
  }
  return out;
}

/** How well a model's derivative map matches the image's finite-difference map. */
export interface DerivativeMatch {
  /** Pearson correlation over all pixels and channels (0 when the model's map is constant). */
  correlation: number;
  /** 10 log10(peak^2 / MSE) with peak = the largest |value| of the finite-difference map. */
  psnr: number;
  /** True when the model's map is constant (e.g. the Laplacian of a ReLU network, exactly 0). */
  constant: boolean;
  /** The same PSNR for a map of zeros: the floor a model's map has to beat. */
  floor: number;
}

export const DERIVATIVE_MATCH_NOTE =
  "r: Pearson correlation with the image's finite-difference map over all pixels (and channels); " +
  "PSNR: 10 log10(peak² / MSE) with peak = the largest |value| of the finite-difference map, both in [-1, 1] coordinate units";

export function derivativeMatch(model: ArrayLike<number>, reference: ArrayLike<number>): DerivativeMatch {
  const n = reference.length;
  let ma = 0;
  let mb = 0;
  let peak = 0;
  for (let i = 0; i < n; i++) {
    ma += model[i] / n;
    mb += reference[i] / n;
    peak = Math.max(peak, Math.abs(reference[i]));
  }
  let cov = 0;
  let va = 0;
  let vb = 0;
  let se = 0;
  let s0 = 0;
  for (let i = 0; i < n; i++) {
    s0 += reference[i] ** 2;
    const a = model[i] - ma;
    const b = reference[i] - mb;
    cov += a * b;
    va += a * a;
    vb += b * b;
    se += (model[i] - reference[i]) ** 2;
  }
  const constant = va <= 1e-24 * Math.max(1, vb);
  const correlation = constant || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
  const peakPsnr = (sumSquares: number) => 10 * Math.log10((peak * peak) / Math.max(sumSquares / n, 1e-30));
  return { correlation, psnr: peakPsnr(se), constant, floor: peakPsnr(s0) };
}
