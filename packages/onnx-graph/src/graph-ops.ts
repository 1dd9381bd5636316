import type { TensorOps } from "@siren-onnx/core";
import { broadcastShapes, type Graph, type Shape, type Value } from "./graph.ts";

const ONNX_FLOAT = 1;

/** Typed builders for the ONNX operators the project uses, with shape inference. */
export class GraphBuilder {
  constructor(readonly graph: Graph) {}

  /** Y = alpha op(A) op(B) + beta C, op = transpose when the flag is set (ONNX Gemm). */
  gemm(
    a: Value,
    b: Value,
    c: Value | null,
    opts: { alpha?: number; beta?: number; transA?: 0 | 1; transB?: 0 | 1 } = {},
  ): Value {
    const { alpha = 1, beta = 1, transA = 0, transB = 0 } = opts;
    const rows = transA ? a.shape[1] : a.shape[0];
    const cols = transB ? b.shape[0] : b.shape[1];
    const inner = [transA ? a.shape[0] : a.shape[1], transB ? b.shape[1] : b.shape[0]];
    if (inner[0] !== inner[1] && inner[0] !== -1 && inner[1] !== -1) {
      throw new Error(`gemm: inner dimensions ${inner[0]} and ${inner[1]} differ`);
    }
    return this.graph.node("Gemm", c ? [a, b, c] : [a, b], [rows, cols], {
      alpha: { float: alpha },
      beta: { float: beta },
      transA: { int: transA },
      transB: { int: transB },
    });
  }

  binary(op: "Add" | "Sub" | "Mul" | "Div", a: Value, b: Value): Value {
    return this.graph.node(op, [a, b], broadcastShapes(a.shape, b.shape));
  }

  unary(op: string, x: Value): Value {
    return this.graph.node(op, [x], x.shape);
  }

  /** 1 where x > 0 else 0, as float. */
  step(x: Value): Value {
    const mask = this.graph.node("Greater", [x, this.graph.scalar(0)], x.shape);
    return this.graph.node("Cast", [mask], x.shape, { to: { int: ONNX_FLOAT } });
  }

  concat(parts: Value[], axis: number): Value {
    const shape = [...parts[0].shape];
    shape[axis] = parts.reduce((n, p) => (n < 0 || p.shape[axis] < 0 ? -1 : n + p.shape[axis]), 0);
    for (let d = 0; d < shape.length; d++) {
      if (d !== axis) shape[d] = parts.map((p) => p.shape[d]).reduce((m, v) => (m === 1 ? v : m));
    }
    // Rows of size 1 are broadcast explicitly: ONNX Concat does not broadcast.
    const reference = parts.find((p) => p.shape[0] !== 1);
    const aligned = parts.map((p) =>
      axis === 1 && reference && p.shape[0] === 1 ? this.expandRowsLike(p, reference) : p,
    );
    return this.graph.node("Concat", aligned, shape, { axis: { int: axis } });
  }

  /** Broadcasts a [1, c] row over the rows of `reference` (works for a dynamic batch). */
  expandRowsLike(x: Value, reference: Value): Value {
    const rows = reference.shape[0];
    const target =
      rows >= 0
        ? this.graph.int64([rows, 1])
        : this.graph.node(
            "Concat",
            [
              this.sliceInts(this.graph.node("Shape", [reference], [reference.shape.length]), 0, 1),
              this.graph.int64([1]),
            ],
            [2],
            { axis: { int: 0 } },
          );
    return this.graph.node("Expand", [x, target], [rows, x.shape[1]]);
  }

  private sliceInts(x: Value, start: number, end: number): Value {
    return this.graph.node(
      "Slice",
      [x, this.graph.int64([start]), this.graph.int64([end]), this.graph.int64([0])],
      [end - start],
    );
  }

  /** Broadcasts x to the shape of `like`. */
  expandLike(x: Value, like: Value): Value {
    const target = this.graph.node("Shape", [like], [like.shape.length]);
    return this.graph.node("Expand", [x, target], like.shape);
  }

  slice(x: Value, axis: number, start: number, end: number): Value {
    const shape = [...x.shape];
    shape[axis] = end - start;
    return this.graph.node(
      "Slice",
      [x, this.graph.int64([start]), this.graph.int64([end]), this.graph.int64([axis])],
      shape,
    );
  }

  reduceSum(x: Value, axes: number[] | null, keepdims: 0 | 1): Value {
    const shape =
      axes === null
        ? keepdims
          ? x.shape.map(() => 1)
          : []
        : x.shape.flatMap((d, i) => (axes.includes(i) ? (keepdims ? [1] : []) : [d]));
    const inputs = axes === null ? [x] : [x, this.graph.int64(axes)];
    return this.graph.node("ReduceSum", inputs, shape, { keepdims: { int: keepdims } });
  }

  /** Mean over all elements, as a scalar. */
  meanAll(x: Value): Value {
    return this.graph.node("ReduceMean", [x], [], { keepdims: { int: 0 } });
  }

  unsqueeze(x: Value, axis: number): Value {
    const shape = [...x.shape];
    shape.splice(axis, 0, 1);
    return this.graph.node("Unsqueeze", [x, this.graph.int64([axis])], shape);
  }

  scale(x: Value, s: number): Value {
    return s === 1 ? x : this.binary("Mul", x, this.graph.scalar(s));
  }
}

/** The model math (TensorOps) emitted as graph nodes. */
export class GraphOps extends GraphBuilder implements TensorOps<Value> {
  linear(x: Value, weight: Value, bias: Value | null, s: number): Value {
    // Gemm folds the layer scale (omega0) and the bias into one operator.
    return this.gemm(x, weight, bias, { alpha: s, beta: s, transB: 1 });
  }
  add(a: Value, b: Value) {
    return this.binary("Add", a, b);
  }
  sub(a: Value, b: Value) {
    return this.binary("Sub", a, b);
  }
  mul(a: Value, b: Value) {
    return this.binary("Mul", a, b);
  }
  addScalar(a: Value, s: number) {
    return this.binary("Add", a, this.graph.scalar(s));
  }
  sin(x: Value) {
    return this.unary("Sin", x);
  }
  cos(x: Value) {
    return this.unary("Cos", x);
  }
  tanh(x: Value) {
    return this.unary("Tanh", x);
  }
  sigmoid(x: Value) {
    return this.unary("Sigmoid", x);
  }
  relu(x: Value) {
    return this.unary("Relu", x);
  }
  abs(x: Value) {
    return this.unary("Abs", x);
  }
  exp(x: Value) {
    return this.unary("Exp", x);
  }
  sign(x: Value) {
    return this.unary("Sign", x);
  }
  concatColumns(parts: Value[]) {
    return this.concat(parts, 1);
  }
  mean(x: Value) {
    return this.meanAll(x);
  }
  constant(values: ArrayLike<number>, rows: number, cols: number) {
    return this.graph.constant(values, [rows, cols]);
  }
}

export type { Shape };
