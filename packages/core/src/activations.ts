import type { HiddenActivation } from "./model-spec.ts";
import type { TensorOps } from "./tensor-ops.ts";

/** f(z) and, on request, f'(z) and f''(z), sharing sub-expressions. */
export interface ActivationValues<T> {
  f: T;
  df?: T;
  d2f?: T;
}

export type DerivativeOrder = 0 | 1 | 2;

/**
 * One row of the activation table: f(z) and its derivatives with respect to z. `omega0` is the
 * spec's; only activations that use it beyond the layer scale read it (finer).
 */
export type Activation = <T>(ops: TensorOps<T>, z: T, order: DerivativeOrder, omega0: number) => ActivationValues<T>;

/**
 * The activation table. For sine and gauss the pre-activation z already includes omega0
 * (z = omega0 (W x + b), see layerScale), so sine is f = sin z, f' = cos z, f'' = -sin z, and
 * gauss is f = exp(-z^2), f' = -2 z f, f'' = (4 z^2 - 2) f.
 *
 * finer (FINER, Liu et al., CVPR 2024) keeps z = W x + b, because its scale |z| + 1 is taken of
 * the unscaled z: f = sin g with g = omega0 (|z| + 1) z, so
 *   g' = omega0 (1 + 2|z|),  g'' = 2 omega0 sign(z),
 *   f' = cos(g) g',  f'' = -sin(g) g'^2 + cos(g) g''.
 * The scale is differentiated through (these are the true derivatives of the function the graph
 * computes; the official code detaches it in training by default, see the README). z|z| is C^1
 * with a jump of its second derivative at z = 0, so f'' is the almost-everywhere derivative:
 * it jumps by 4 omega0 at z = 0 and takes sign(0) = 0 there, the mean of the two one-sided limits.
 */
export const ACTIVATIONS: Record<HiddenActivation, Activation> = {
  sine(ops, z, order) {
    const f = ops.sin(z);
    if (order === 0) return { f };
    const df = ops.cos(z);
    return order === 1 ? { f, df } : { f, df, d2f: ops.scale(f, -1) };
  },
  tanh(ops, z, order) {
    const f = ops.tanh(z);
    if (order === 0) return { f };
    const df = ops.addScalar(ops.scale(ops.mul(f, f), -1), 1); // 1 - t^2
    return order === 1 ? { f, df } : { f, df, d2f: ops.scale(ops.mul(f, df), -2) }; // -2 t (1 - t^2)
  },
  sigmoid(ops, z, order) {
    const f = ops.sigmoid(z);
    if (order === 0) return { f };
    const df = ops.sub(f, ops.mul(f, f)); // s (1 - s)
    return order === 1 ? { f, df } : { f, df, d2f: ops.mul(df, ops.addScalar(ops.scale(f, -2), 1)) }; // s(1-s)(1-2s)
  },
  relu(ops, z, order) {
    const f = ops.relu(z);
    if (order === 0) return { f };
    // f'' is zero almost everywhere: the Laplacian of a ReLU network is exactly 0.
    return { f, df: ops.step(z) };
  },
  finer(ops, z, order, omega0) {
    const absZ = ops.abs(z);
    const g = ops.scale(ops.mul(ops.addScalar(absZ, 1), z), omega0);
    const f = ops.sin(g);
    if (order === 0) return { f };
    const cosG = ops.cos(g);
    const dg = ops.addScalar(ops.scale(absZ, 2 * omega0), omega0); // omega0 (1 + 2|z|)
    const df = ops.mul(cosG, dg);
    if (order === 1) return { f, df };
    const curvature = ops.scale(ops.mul(cosG, ops.sign(z)), 2 * omega0); // cos(g) g''
    return { f, df, d2f: ops.sub(curvature, ops.mul(f, ops.mul(dg, dg))) };
  },
  gauss(ops, z, order) {
    const z2 = ops.mul(z, z);
    const f = ops.exp(ops.scale(z2, -1));
    if (order === 0) return { f };
    const df = ops.scale(ops.mul(z, f), -2);
    return order === 1 ? { f, df } : { f, df, d2f: ops.mul(ops.addScalar(ops.scale(z2, 4), -2), f) }; // (4z^2 - 2) f
  },
};

/** Scalar versions of the same table, in float64, for tests and plots (omega0 as in Activation). */
export const SCALAR_ACTIVATIONS: Record<HiddenActivation, (z: number, omega0: number) => [number, number, number]> = {
  sine: (z) => [Math.sin(z), Math.cos(z), -Math.sin(z)],
  tanh: (z) => {
    const t = Math.tanh(z);
    return [t, 1 - t * t, -2 * t * (1 - t * t)];
  },
  sigmoid: (z) => {
    const s = 1 / (1 + Math.exp(-z));
    return [s, s * (1 - s), s * (1 - s) * (1 - 2 * s)];
  },
  relu: (z) => [Math.max(z, 0), z > 0 ? 1 : 0, 0],
  finer: (z, omega0) => {
    const g = omega0 * (Math.abs(z) + 1) * z;
    const dg = omega0 * (1 + 2 * Math.abs(z));
    return [Math.sin(g), Math.cos(g) * dg, -Math.sin(g) * dg * dg + 2 * omega0 * Math.sign(z) * Math.cos(g)];
  },
  gauss: (z) => {
    const f = Math.exp(-z * z);
    return [f, -2 * z * f, (4 * z * z - 2) * f];
  },
};
