import { SeededRandom } from "@siren-onnx/core";

/** Max |sin x - Math.sin x| and |cos x - Math.cos x| over the arguments with |x| <= limit. */
export interface TrigErrors {
  sin: number;
  cos: number;
  count: number;
}

/**
 * float32 arguments for the lowered sin/cos, shared by the float32-emulation test (core) and
 * the onnxruntime test (exporter) so both sweep the same points: an even grid over [-1e4, 1e4]
 * and over [-1e5, 1e5], uniform and log-uniform random ones, and runs of consecutive float32
 * values around multiples of pi/2, where the reduction folds (|y| near 0 and pi) and where
 * Round(x / 2pi) flips between two turns (odd multiples of pi).
 */
export function trigArguments(count = 60_000, seed = 11): Float32Array {
  const rng = new SeededRandom(seed);
  const xs: number[] = [];
  for (const limit of [1e4, 1e5]) for (let i = 0; i <= count; i++) xs.push(-limit + (2 * limit * i) / count);
  for (let i = 0; i < count; i++) xs.push(rng.uniform(-1e5, 1e5));
  for (let i = 0; i < count; i++) xs.push((rng.uniform(0, 1) < 0.5 ? -1 : 1) * 10 ** rng.uniform(-8, 5));
  const bits = new Int32Array(1);
  const f = new Float32Array(bits.buffer);
  for (let i = 0; i < count / 32; i++) {
    // Multiples j pi/2 for j spread over the whole range, 16 float32 steps either side.
    const j = i < 64 ? i - 32 : Math.round(rng.uniform(-1, 1) * (1e5 / (Math.PI / 2)));
    f[0] = (j * Math.PI) / 2;
    const start = bits[0] - 16;
    for (let k = 0; k <= 32; k++) {
      bits[0] = start + k;
      xs.push(f[0]);
    }
  }
  xs.push(0, -0, 1e-30, -1e-30, Math.PI, -Math.PI, 1e5, -1e5);
  return Float32Array.from(xs).filter((x) => Math.abs(x) <= 1e5);
}

/** Errors of computed [sin, cos] values against float64 Math.sin/Math.cos of the same float32 x. */
export function trigErrors(
  xs: Float32Array,
  sin: ArrayLike<number>,
  cos: ArrayLike<number>,
  limit: number,
): TrigErrors {
  const out = { sin: 0, cos: 0, count: 0 };
  xs.forEach((x, i) => {
    if (Math.abs(x) > limit) return;
    out.count++;
    // A NaN result counts as an infinite error.
    const es = Math.abs(sin[i] - Math.sin(x));
    const ec = Math.abs(cos[i] - Math.cos(x));
    if (!(es <= out.sin)) out.sin = Number.isNaN(es) ? Number.POSITIVE_INFINITY : es;
    if (!(ec <= out.cos)) out.cos = Number.isNaN(ec) ? Number.POSITIVE_INFINITY : ec;
  });
  return out;
}
