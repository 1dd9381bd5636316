import type { DerivativeOrder } from "./activations.ts";
import type { Jet } from "./forward-mode.ts";
import type { TensorOps } from "./tensor-ops.ts";

/**
 * What a task supervises: the image itself, its input-gradient, or its Laplacian.
 * Every task of the study is one of these losses over some set of points.
 */
export type Supervision = "value" | "gradient" | "laplacian";

export const SUPERVISION_ORDER: Record<Supervision, DerivativeOrder> = { value: 0, gradient: 1, laplacian: 2 };

/** Target tensors, each [N, C]: `value`, or `dx` and `dy`, or `laplacian`. */
export type Targets<T> = { value: T } | { dx: T; dy: T } | { laplacian: T };

export const TARGET_NAMES: Record<Supervision, string[]> = {
  value: ["value"],
  gradient: ["dx", "dy"],
  laplacian: ["laplacian"],
};

function mse<T>(ops: TensorOps<T>, a: T, b: T): T {
  const d = ops.sub(a, b);
  return ops.mean(ops.mul(d, d));
}

/** Mean squared error of the supervised quantity (gradient: mean over both components). */
export function supervisionLoss<T>(ops: TensorOps<T>, kind: Supervision, jet: Jet<T>, targets: Record<string, T>): T {
  if (kind === "value") return mse(ops, jet.value, targets.value);
  if (kind === "gradient") {
    if (!jet.gradient) throw new Error("gradient loss needs a first-order jet");
    return ops.scale(ops.add(mse(ops, jet.gradient[0], targets.dx), mse(ops, jet.gradient[1], targets.dy)), 0.5);
  }
  if (!jet.laplacian) throw new Error("laplacian loss needs a second-order jet");
  return mse(ops, jet.laplacian, targets.laplacian);
}
