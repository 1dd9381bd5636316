import { ACTIVATIONS, type DerivativeOrder } from "./activations.ts";
import { hiddenActivation, type ModelSpec } from "./model-spec.ts";
import type { TensorOps } from "./tensor-ops.ts";

/** A linear layer's tensors in some TensorOps representation. */
export interface LayerTensors<T> {
  weight: T;
  bias: T;
}

/** Value, input-gradient streams (d/dx, d/dy) and Laplacian of a tensor with respect to the coordinates. */
export interface Jet<T> {
  value: T;
  gradient?: [T, T];
  laplacian?: T;
}

/**
 * Multiplier applied to a layer's W x + b: omega0 for the hidden layers of sine and gauss
 * (gauss's s), 1 for the output layer and other kinds (finer applies omega0 inside its activation).
 */
export function layerScale(spec: ModelSpec, layerIndex: number, layerCount: number): number {
  const scaled = spec.activation === "sine" || spec.activation === "gauss";
  return scaled && layerIndex < layerCount - 1 ? spec.omega0 : 1;
}

/**
 * Forward-mode propagation of value a, Jacobian J (one [N, width] stream per input
 * coordinate) and Laplacian L through the MLP:
 *   z = s (W a + b), Jz = s W J, Lz = s W L
 *   a' = f(z), J' = f'(z) Jz, L' = f''(z) sum_k Jz_k^2 + f'(z) Lz
 * starting from a = p, J = I, L = 0. Order 0 gives the value only, 1 adds the gradient,
 * 2 adds the Laplacian. The output layer is linear.
 */
export function forwardJet<T>(
  ops: TensorOps<T>,
  spec: ModelSpec,
  layers: LayerTensors<T>[],
  coords: T,
  order: DerivativeOrder,
): Jet<T> {
  let jet: Jet<T> = inputJet(ops, coords, order);
  if (spec.activation === "relu-pe") jet = positionalEncoding(ops, jet, spec.peFrequencies, order);
  const act = ACTIVATIONS[hiddenActivation(spec.activation)];
  layers.forEach((layer, i) => {
    const s = layerScale(spec, i, layers.length);
    const z = linearJet(ops, jet, layer, s);
    if (i === layers.length - 1) {
      jet = z;
      return;
    }
    const { f, df, d2f } = act(ops, z.value, order, spec.omega0);
    jet = { value: f };
    if (order >= 1 && df && z.gradient) {
      const [jx, jy] = z.gradient;
      jet.gradient = [ops.mul(df, jx), ops.mul(df, jy)];
      if (order === 2) {
        // Lz is implicitly 0 before the first layer; ReLU has f'' = 0.
        const curvature = d2f ? ops.mul(d2f, ops.add(ops.mul(jx, jx), ops.mul(jy, jy))) : undefined;
        const firstOrder = z.laplacian ? ops.mul(df, z.laplacian) : undefined;
        jet.laplacian =
          curvature && firstOrder ? ops.add(curvature, firstOrder) : (curvature ?? firstOrder ?? ops.scale(f, 0));
      }
    }
  });
  return jet;
}

/** a = p, J = [e_x, e_y] as broadcast [1, 2] rows, L = 0 (left implicit until a layer makes it non-zero). */
function inputJet<T>(ops: TensorOps<T>, coords: T, order: DerivativeOrder): Jet<T> {
  if (order === 0) return { value: coords };
  return { value: coords, gradient: [ops.constant([1, 0], 1, 2), ops.constant([0, 1], 1, 2)] };
}

function linearJet<T>(ops: TensorOps<T>, jet: Jet<T>, layer: LayerTensors<T>, s: number): Jet<T> {
  const out: Jet<T> = { value: ops.linear(jet.value, layer.weight, layer.bias, s) };
  if (jet.gradient) {
    out.gradient = [
      ops.linear(jet.gradient[0], layer.weight, null, s),
      ops.linear(jet.gradient[1], layer.weight, null, s),
    ];
  }
  if (jet.laplacian) out.laplacian = ops.linear(jet.laplacian, layer.weight, null, s);
  return out;
}

/** Frequency matrix B [2L, 2] of the encoding: rows (2^i pi, 0) and (0, 2^i pi). */
export function encodingFrequencies(octaves: number): number[] {
  const b: number[] = [];
  for (let i = 0; i < octaves; i++) {
    const w = 2 ** i * Math.PI;
    b.push(w, 0, 0, w);
  }
  return b;
}

/**
 * gamma(p) = [p, sin(B p), cos(B p)] with analytic derivatives:
 * d sin(u) = cos(u) du, d cos(u) = -sin(u) du, and since u = B p is linear in p,
 * lap sin(u) = -sin(u) |du|^2, lap cos(u) = -cos(u) |du|^2.
 */
function positionalEncoding<T>(ops: TensorOps<T>, jet: Jet<T>, octaves: number, order: DerivativeOrder): Jet<T> {
  const freq = ops.constant(encodingFrequencies(octaves), 2 * octaves, 2);
  const u = ops.linear(jet.value, freq, null, 1);
  const sinU = ops.sin(u);
  const cosU = ops.cos(u);
  const out: Jet<T> = { value: ops.concatColumns([jet.value, sinU, cosU]) };
  if (order >= 1 && jet.gradient) {
    const du = jet.gradient.map((g) => ops.linear(g, freq, null, 1)) as [T, T];
    const grad = (k: 0 | 1) =>
      ops.concatColumns([jet.gradient![k], ops.mul(cosU, du[k]), ops.scale(ops.mul(sinU, du[k]), -1)]);
    out.gradient = [grad(0), grad(1)];
    if (order === 2) {
      const duNorm = ops.add(ops.mul(du[0], du[0]), ops.mul(du[1], du[1]));
      const zeros = ops.constant([0, 0], 1, 2);
      out.laplacian = ops.concatColumns([
        ops.mul(jet.value, zeros),
        ops.scale(ops.mul(sinU, duNorm), -1),
        ops.scale(ops.mul(cosU, duNorm), -1),
      ]);
    }
  }
  return out;
}
