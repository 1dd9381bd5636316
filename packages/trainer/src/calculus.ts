/**
 * All pixel calculus of the study in one place: finite-difference gradient and Laplacian of a
 * row-major [height * width, C] image, in the model's units.
 *
 * Units: the model's derivatives are taken with respect to coordinates in [-1, 1], where one
 * pixel step is 2 / (N - 1) on an N-pixel axis. A per-pixel difference is therefore multiplied
 * by (N - 1) / 2 per derivative order: (W - 1) / 2 for d/dx, ((W - 1) / 2)^2 for d2/dx2 (and the
 * same with H along y). The official SIREN code uses fixed factors (x10 for Sobel gradients,
 * x1e4 for Laplacians) instead.
 *
 * Stencils: `pixelGradient` is central differences (f[i+1] - f[i-1]) / 2 in the interior and
 * one-sided differences f[1] - f[0] at the border (as numpy.gradient; the classical solver of
 * poisson-solver.ts inverts exactly this operator). The gradient tasks supervise with
 * `targetGradient`, 6th-order central differences: the network's derivative is the analytic one,
 * and a 2nd-order stencil answers sin(k h) / h instead of k, so even an exact fit rebuilds a
 * blurred image (at best 33.9 dB on camera 256², 39.7 dB with the 6th-order stencil; README,
 * "Tasks"). Sobel, as in the official code, would also smooth across the other axis. The Laplacian is the
 * 5-point stencil; at the border each axis reuses the second difference of its nearest interior
 * pixel (f[0] - 2 f[1] + f[2]), which stays consistent for smooth images, where padding by
 * replication or reflection would inject a spurious boundary term.
 */
import { pixelsPerUnit } from "@siren-onnx/core";

export interface PixelGradient {
  /** d/dx per [-1, 1] unit, [H * W, C]. */
  dx: Float32Array;
  /** d/dy per [-1, 1] unit (y down), [H * W, C]. */
  dy: Float32Array;
}

/** How per-pixel differences are converted to the model's units (recorded in the run summary). */
export interface DerivativeScaling {
  stencil: string;
  /** Multiplier of a per-pixel first difference along x and y: (N - 1) / 2. */
  gradientScale: [number, number];
  /** Multiplier of a per-pixel second difference along x and y: ((N - 1) / 2)^2. */
  laplacianScale: [number, number];
}

export const GRADIENT_STENCIL = "central differences, one-sided at the border";
export const TARGET_GRADIENT_STENCIL =
  "6th-order central differences, lower-order centred near the border, 2nd-order one-sided on it";
export const LAPLACIAN_STENCIL = "5-point stencil, nearest interior second difference at the border";

export function derivativeScaling(width: number, height: number, stencil: string): DerivativeScaling {
  const sx = pixelsPerUnit(width);
  const sy = pixelsPerUnit(height);
  return { stencil, gradientScale: [sx, sy], laplacianScale: [sx * sx, sy * sy] };
}

function assertShape(values: Float32Array, width: number, height: number, channels: number, minSide: number): void {
  if (width < minSide || height < minSide || values.length !== width * height * channels) {
    throw new Error(
      `finite differences need an image of at least ${minSide}x${minSide} with ${width * height * channels} values, got ${width}x${height}x${channels} with ${values.length}`,
    );
  }
}

/**
 * Per-pixel first difference along one axis at index i of n samples spaced `stride` apart
 * starting at `base`: central inside, one-sided at both ends.
 */
function firstDifference(v: Float32Array, base: number, stride: number, i: number, n: number): number {
  if (i === 0) return v[base + stride] - v[base];
  if (i === n - 1) return v[base + i * stride] - v[base + (i - 1) * stride];
  return (v[base + (i + 1) * stride] - v[base + (i - 1) * stride]) / 2;
}

/**
 * Per-pixel first derivative along one axis by the widest centred stencil that fits (6th order
 * with 3 neighbours each side, 4th order with 2, 2nd order with 1) and a 2nd-order one-sided one
 * at both ends: (-3 f0 + 4 f1 - f2) / 2.
 */
function highOrderDifference(v: Float32Array, base: number, stride: number, i: number, n: number): number {
  const at = (j: number) => v[base + j * stride];
  const r = Math.min(i, n - 1 - i, 3);
  if (r === 3) {
    return (45 * (at(i + 1) - at(i - 1)) - 9 * (at(i + 2) - at(i - 2)) + (at(i + 3) - at(i - 3))) / 60;
  }
  if (r === 2) return (8 * (at(i + 1) - at(i - 1)) - (at(i + 2) - at(i - 2))) / 12;
  if (r === 1) return (at(i + 1) - at(i - 1)) / 2;
  if (n < 3) return at(1) - at(0);
  return i === 0 ? (-3 * at(0) + 4 * at(1) - at(2)) / 2 : (3 * at(n - 1) - 4 * at(n - 2) + at(n - 3)) / 2;
}

/** Per-pixel second difference along one axis; the ends reuse their interior neighbour's. */
function secondDifference(v: Float32Array, base: number, stride: number, i: number, n: number): number {
  const j = Math.min(Math.max(i, 1), n - 2);
  return v[base + (j - 1) * stride] - 2 * v[base + j * stride] + v[base + (j + 1) * stride];
}

/** Gradient of an image in [-1, 1] coordinate units, 2nd-order central differences (GRADIENT_STENCIL). */
export function pixelGradient(values: Float32Array, width: number, height: number, channels: number): PixelGradient {
  return gradientWith(firstDifference, values, width, height, channels);
}

/** The gradient the gradient tasks supervise, in [-1, 1] units (TARGET_GRADIENT_STENCIL). */
export function targetGradient(values: Float32Array, width: number, height: number, channels: number): PixelGradient {
  return gradientWith(highOrderDifference, values, width, height, channels);
}

function gradientWith(
  difference: typeof firstDifference,
  values: Float32Array,
  width: number,
  height: number,
  channels: number,
): PixelGradient {
  assertShape(values, width, height, channels, 2);
  const { gradientScale } = derivativeScaling(width, height, GRADIENT_STENCIL);
  const [sx, sy] = gradientScale;
  const dx = new Float32Array(values.length);
  const dy = new Float32Array(values.length);
  const rowStride = width * channels;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      for (let ch = 0; ch < channels; ch++) {
        const k = (r * width + c) * channels + ch;
        dx[k] = sx * difference(values, r * rowStride + ch, channels, c, width);
        dy[k] = sy * difference(values, c * channels + ch, rowStride, r, height);
      }
    }
  }
  return { dx, dy };
}

/** Laplacian d2/dx2 + d2/dy2 of an image in [-1, 1] coordinate units. */
export function pixelLaplacian(values: Float32Array, width: number, height: number, channels: number): Float32Array {
  assertShape(values, width, height, channels, 3);
  const { laplacianScale } = derivativeScaling(width, height, LAPLACIAN_STENCIL);
  const [sxx, syy] = laplacianScale;
  const out = new Float32Array(values.length);
  const rowStride = width * channels;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      for (let ch = 0; ch < channels; ch++) {
        const k = (r * width + c) * channels + ch;
        out[k] =
          sxx * secondDifference(values, r * rowStride + ch, channels, c, width) +
          syy * secondDifference(values, c * channels + ch, rowStride, r, height);
      }
    }
  }
  return out;
}

/** Interleaves dx and dy ([N, C] each) into the [N, C, 2] layout of the `gradient` output. */
export function interleaveGradient({ dx, dy }: PixelGradient): Float32Array {
  const out = new Float32Array(2 * dx.length);
  for (let i = 0; i < dx.length; i++) {
    out[2 * i] = dx[i];
    out[2 * i + 1] = dy[i];
  }
  return out;
}
