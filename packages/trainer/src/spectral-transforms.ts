/**
 * The spectral transforms of the classical Poisson solvers (poisson-solver.ts): an FFT of any
 * length and an orthonormal DCT-II / DCT-III, with plans cached per length.
 */
// ---------------------------------------------------------------------------------------------
// FFT of any length (radix 2, Bluestein's chirp transform otherwise), in place on (re, im).

interface FftPlan {
  n: number;
  apply(re: Float64Array, im: Float64Array, inverse: boolean): void;
}

const plans = new Map<number, FftPlan>();

function fftPlan(n: number): FftPlan {
  let plan = plans.get(n);
  if (!plan) {
    plan = (n & (n - 1)) === 0 ? radix2Plan(n) : bluesteinPlan(n);
    plans.set(n, plan);
  }
  return plan;
}

function radix2Plan(n: number): FftPlan {
  const bits = Math.round(Math.log2(n));
  const reverse = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    reverse[i] = r;
  }
  const cos = new Float64Array(n / 2);
  const sinFwd = new Float64Array(n / 2);
  const sinInv = new Float64Array(n / 2);
  for (let k = 0; k < n / 2; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sinInv[k] = Math.sin((2 * Math.PI * k) / n);
    sinFwd[k] = -sinInv[k];
  }
  return {
    n,
    apply(re, im, inverse) {
      for (let i = 0; i < n; i++) {
        const j = reverse[i];
        if (j > i) {
          const tr = re[i];
          re[i] = re[j];
          re[j] = tr;
          const ti = im[i];
          im[i] = im[j];
          im[j] = ti;
        }
      }
      // Size-2 butterflies need no twiddles.
      for (let a = 0; a + 1 < n; a += 2) {
        const xr = re[a + 1];
        const xi = im[a + 1];
        re[a + 1] = re[a] - xr;
        im[a + 1] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
      const tw = inverse ? sinInv : sinFwd;
      for (let size = 4; size <= n; size <<= 1) {
        const half = size >> 1;
        const step = n / size;
        for (let k = 0; k < half; k++) {
          const wr = cos[k * step];
          const wi = tw[k * step];
          for (let a = k; a < n; a += size) {
            const b = a + half;
            const br = re[b];
            const bi = im[b];
            const xr = br * wr - bi * wi;
            const xi = br * wi + bi * wr;
            re[b] = re[a] - xr;
            im[b] = im[a] - xi;
            re[a] += xr;
            im[a] += xi;
          }
        }
      }
    },
  };
}

function bluesteinPlan(n: number): FftPlan {
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  const inner = radix2Plan(m);
  // chirp w_k = exp(-i pi k^2 / n); k^2 mod 2n keeps the angle exact for large k.
  const cr = new Float64Array(n);
  const ci = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const angle = (Math.PI * ((k * k) % (2 * n))) / n;
    cr[k] = Math.cos(angle);
    ci[k] = -Math.sin(angle);
  }
  // The FFT of the conjugate chirp, wrapped around, once.
  const br = new Float64Array(m);
  const bi = new Float64Array(m);
  br[0] = cr[0];
  bi[0] = -ci[0];
  for (let k = 1; k < n; k++) {
    br[k] = br[m - k] = cr[k];
    bi[k] = bi[m - k] = -ci[k];
  }
  inner.apply(br, bi, false);
  const ar = new Float64Array(m);
  const ai = new Float64Array(m);
  return {
    n,
    apply(re, im, inverse) {
      const s = inverse ? -1 : 1; // the inverse transform uses the conjugate chirp
      ar.fill(0);
      ai.fill(0);
      for (let k = 0; k < n; k++) {
        const wr = cr[k];
        const wi = s * ci[k];
        ar[k] = re[k] * wr - im[k] * wi;
        ai[k] = re[k] * wi + im[k] * wr;
      }
      inner.apply(ar, ai, false);
      for (let k = 0; k < m; k++) {
        const xr = br[k];
        const xi = s * bi[k];
        const yr = ar[k] * xr - ai[k] * xi;
        ai[k] = ar[k] * xi + ai[k] * xr;
        ar[k] = yr;
      }
      inner.apply(ar, ai, true);
      for (let k = 0; k < n; k++) {
        const wr = cr[k];
        const wi = s * ci[k];
        const yr = ar[k] / m;
        const yi = ai[k] / m;
        re[k] = yr * wr - yi * wi;
        im[k] = yr * wi + yi * wr;
      }
    },
  };
}

/** Unnormalised DFT in place (inverse: the conjugate transform divided by n). */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n <= 1) return;
  fftPlan(n).apply(re, im, inverse);
  if (inverse) {
    for (let i = 0; i < n; i++) {
      re[i] /= n;
      im[i] /= n;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Orthonormal DCT-II and its inverse (DCT-III), by Makhoul's reordering and one FFT of length m,
// two real vectors at a time (one as the real, one as the imaginary part of the FFT input).

export interface DctPlan {
  m: number;
  /** DCT-II of v1 and v2 (v2 may be undefined) into out1 and out2. */
  forward(v1: Float64Array, v2: Float64Array | undefined, out1: Float64Array, out2: Float64Array | undefined): void;
  inverse(x1: Float64Array, x2: Float64Array | undefined, out1: Float64Array, out2: Float64Array | undefined): void;
}

const dctPlans = new Map<number, DctPlan>();

export function dctPlan(m: number): DctPlan {
  let plan = dctPlans.get(m);
  if (plan) return plan;
  const wr = new Float64Array(m);
  const wi = new Float64Array(m);
  const scale = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    wr[k] = Math.cos((Math.PI * k) / (2 * m));
    wi[k] = -Math.sin((Math.PI * k) / (2 * m));
    scale[k] = Math.sqrt((k === 0 ? 1 : 2) / m);
  }
  const re = new Float64Array(m);
  const im = new Float64Array(m);
  const half = Math.ceil(m / 2);
  // Makhoul's order: even samples ascending, then odd samples descending.
  const order = new Uint32Array(m);
  for (let j = 0; j < half; j++) order[j] = 2 * j;
  for (let j = 0; 2 * j + 1 < m; j++) order[m - 1 - j] = 2 * j + 1;
  plan = {
    m,
    forward(v1, v2, out1, out2) {
      for (let j = 0; j < m; j++) {
        re[j] = v1[order[j]];
        im[j] = v2 ? v2[order[j]] : 0;
      }
      fft(re, im);
      for (let k = 0; k < m; k++) {
        // Split the spectra of the two real inputs: Y1 = (Z_k + conj Z_-k) / 2, Y2 = (Z_k - conj Z_-k) / 2i.
        const kk = k === 0 ? 0 : m - k;
        const y1r = (re[k] + re[kk]) / 2;
        const y1i = (im[k] - im[kk]) / 2;
        out1[k] = scale[k] * (y1r * wr[k] - y1i * wi[k]);
        if (out2) {
          const y2r = (im[k] + im[kk]) / 2;
          const y2i = (re[kk] - re[k]) / 2;
          out2[k] = scale[k] * (y2r * wr[k] - y2i * wi[k]);
        }
      }
    },
    inverse(x1, x2, out1, out2) {
      // Y_k = exp(+i pi k / 2m) (x_k - i x_{m-k}), x_k the unnormalised cosine sums; Y = Y1 + i Y2.
      for (let k = 0; k < m; k++) {
        const a1 = x1[k] / scale[k];
        const b1 = k === 0 ? 0 : x1[m - k] / scale[m - k];
        let r = a1 * wr[k] - b1 * wi[k];
        let i = -a1 * wi[k] - b1 * wr[k];
        if (x2) {
          const a2 = x2[k] / scale[k];
          const b2 = k === 0 ? 0 : x2[m - k] / scale[m - k];
          r -= -a2 * wi[k] - b2 * wr[k];
          i += a2 * wr[k] - b2 * wi[k];
        }
        re[k] = r;
        im[k] = i;
      }
      fft(re, im, true);
      for (let j = 0; j < m; j++) {
        out1[order[j]] = re[j];
        if (out2) out2[order[j]] = im[j];
      }
    },
  };
  dctPlans.set(m, plan);
  return plan;
}

/** Orthonormal DCT-II of v (DCT-III with `inverse`). */
export function dct(v: ArrayLike<number>, inverse = false): Float64Array {
  const plan = dctPlan(v.length);
  const out = new Float64Array(v.length);
  const input = Float64Array.from(v);
  if (inverse) plan.inverse(input, undefined, out, undefined);
  else plan.forward(input, undefined, out, undefined);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shared helpers.
