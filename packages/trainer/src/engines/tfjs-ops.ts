import type { TensorOps } from "@siren-onnx/core";
import * as tf from "@tensorflow/tfjs-core";

/**
 * The model math on TensorFlow.js tensors, so tfjs's own autodiff differentiates the same
 * forward-mode jets and losses that the ONNX engine differentiates with onnx-graph's autodiff.
 */
export const tfjsOps: TensorOps<tf.Tensor> = {
  linear(x, weight, bias, scale) {
    const y = tf.matMul(x, weight, false, true);
    const z = bias ? tf.add(y, bias) : y;
    return scale === 1 ? z : tf.mul(z, scale);
  },
  add: (a, b) => tf.add(a, b),
  sub: (a, b) => tf.sub(a, b),
  mul: (a, b) => tf.mul(a, b),
  scale: (a, s) => tf.mul(a, s),
  addScalar: (a, s) => tf.add(a, s),
  sin: (x) => tf.sin(x),
  cos: (x) => tf.cos(x),
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  relu: (x) => tf.relu(x),
  abs: (x) => tf.abs(x),
  exp: (x) => tf.exp(x),
  // tf.step is 1 where x > 0 (alpha 0 elsewhere) and its registered gradient is zero.
  step: (x) => tf.step(x),
  // tf.sign is 0 at 0, as ONNX Sign, and its registered gradient is zero.
  sign: (x) => tf.sign(x),
  concatColumns(parts) {
    // tf.concat does not broadcast: expand [1, c] rows (the constant input Jacobian) first.
    const rows = Math.max(...parts.map((p) => p.shape[0] ?? 1));
    return tf.concat(
      parts.map((p) => (p.shape[0] === rows ? p : tf.broadcastTo(p, [rows, p.shape[1] ?? 1]))),
      1,
    );
  },
  mean: (x) => tf.mean(x),
  constant: (values, rows, cols) => tf.tensor2d(Array.from(values), [rows, cols], "float32"),
};
