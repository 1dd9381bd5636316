/**
 * Image quality in the study's convention: values mapped from [-1, 1] to [0, 1],
 * PSNR = 10 log10(1 / MSE).
 */
export function mse(a: ArrayLike<number>, b: ArrayLike<number>, indices?: ArrayLike<number>, channels = 1): number {
  let sum = 0;
  let count = 0;
  if (indices) {
    for (let k = 0; k < indices.length; k++) {
      for (let c = 0; c < channels; c++) {
        const i = indices[k] * channels + c;
        sum += (a[i] - b[i]) ** 2;
        count++;
      }
    }
  } else {
    for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
    count = a.length;
  }
  return sum / Math.max(1, count);
}

/** PSNR in dB of model-unit ([-1, 1]) arrays; the factor 4 maps the MSE to [0, 1] units. */
export function psnrFromMse(mseModelUnits: number): number {
  return 10 * Math.log10(4 / Math.max(mseModelUnits, 1e-20));
}

export function psnr(
  prediction: ArrayLike<number>,
  target: ArrayLike<number>,
  indices?: ArrayLike<number>,
  channels = 1,
): number {
  return psnrFromMse(mse(clipUnit(prediction), target, indices, channels));
}

/** Clips to [-1, 1], as a saved picture would be. */
function clipUnit(a: ArrayLike<number>): Float32Array {
  return Float32Array.from(a as ArrayLike<number>, (v) => Math.min(1, Math.max(-1, v)));
}

/**
 * A derivative-only fit recovers the image only up to a constant (gradient) or a harmonic
 * function (Laplacian): fit prediction -> a * prediction + b per channel by least squares
 * before measuring (the `psnrAffine` of metrics.json).
 */
export function affineFit(prediction: ArrayLike<number>, target: ArrayLike<number>, channels: number): Float32Array {
  const out = new Float32Array(prediction.length);
  const n = prediction.length / channels;
  for (let c = 0; c < channels; c++) {
    let sp = 0;
    let st = 0;
    let spp = 0;
    let spt = 0;
    for (let i = 0; i < n; i++) {
      const p = prediction[i * channels + c];
      const t = target[i * channels + c];
      sp += p;
      st += t;
      spp += p * p;
      spt += p * t;
    }
    const varP = spp / n - (sp / n) ** 2;
    const a = varP > 1e-20 ? (spt / n - (sp / n) * (st / n)) / varP : 0;
    const b = st / n - (a * sp) / n;
    for (let i = 0; i < n; i++) out[i * channels + c] = a * prediction[i * channels + c] + b;
  }
  return out;
}

export function psnrAffine(prediction: ArrayLike<number>, target: ArrayLike<number>, channels: number): number {
  return psnr(affineFit(prediction, target, channels), target);
}

/**
 * PSNR after rescaling prediction and target each to [0, 1] by its own range, the normalisation
 * of the official SIREN code's Poisson figures (`dataio.rescale_img`: min-max, the prediction
 * clipped to its 0.01st and 99.99th percentiles first). That code logs no PSNR for the Poisson
 * experiments; this is the `psnrMinMax` of metrics.json, next to psnrAffine.
 */
export function psnrMinMax(prediction: ArrayLike<number>, target: ArrayLike<number>): number {
  const sorted = Float32Array.from(prediction as ArrayLike<number>).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
  const p = minMaxScale(prediction, at(1e-4), at(1 - 1e-4));
  let tMin = Number.POSITIVE_INFINITY;
  let tMax = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < target.length; i++) {
    tMin = Math.min(tMin, target[i]);
    tMax = Math.max(tMax, target[i]);
  }
  const t = minMaxScale(target, tMin, tMax);
  // Both are in [0, 1]: mse() is in those units, psnrFromMse() expects [-1, 1] ones (x4).
  return psnrFromMse(4 * mse(p, t));
}

function minMaxScale(values: ArrayLike<number>, lo: number, hi: number): Float32Array {
  const range = hi - lo;
  return Float32Array.from(values as ArrayLike<number>, (v) =>
    range > 0 ? (Math.min(hi, Math.max(lo, v)) - lo) / range : 0.5,
  );
}
