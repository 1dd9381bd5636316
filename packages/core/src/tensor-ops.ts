/**
 * The small set of tensor operations the model math is written against. Implemented by the
 * ONNX graph builder (trainer, exporter), TensorFlow.js (second engine) and plain Float64
 * arrays (test reference). All tensors are 2-D [rows, cols]; a [1, cols] operand broadcasts
 * over rows.
 */
export interface TensorOps<T> {
  /** scale * (x W^T + b) with W [out, in] (PyTorch layout); bias may be omitted. */
  linear(x: T, weight: T, bias: T | null, scale: number): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  /** a * s for a plain number s. */
  scale(a: T, s: number): T;
  /** a + s for a plain number s. */
  addScalar(a: T, s: number): T;
  sin(x: T): T;
  cos(x: T): T;
  tanh(x: T): T;
  sigmoid(x: T): T;
  relu(x: T): T;
  abs(x: T): T;
  exp(x: T): T;
  /** 1 where x > 0, else 0; no gradient flows through it. */
  step(x: T): T;
  /** -1, 0 or 1 by the sign of x (0 at 0, as ONNX Sign); no gradient flows through it. */
  sign(x: T): T;
  /** Concatenation along columns. */
  concatColumns(parts: T[]): T;
  /** Mean of all elements, as a scalar tensor. */
  mean(x: T): T;
  /** A constant [rows, cols] tensor (row-major values). */
  constant(values: ArrayLike<number>, rows: number, cols: number): T;
}
