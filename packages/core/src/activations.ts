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
 * The activation table. For sine the pre-activation z already includes omega0
 * (z = omega0 (W x + b), see layerScale), so f = sin z, f' = cos z, f'' = -sin z.
 */
export const ACTIVATIONS: Record<
  HiddenActivation,
  <T>(ops: TensorOps<T>, z: T, order: DerivativeOrder) => ActivationValues<T>
> = {
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
};

/** Scalar versions of the same table, in float64, for tests and plots. */
export const SCALAR_ACTIVATIONS: Record<HiddenActivation, (z: number) => [number, number, number]> = {
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
};
