import type { ModelParams } from "./init.ts";
import type { TensorOps } from "./tensor-ops.ts";

/** A dense row-major float64 matrix. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function matrix(rows: number, cols: number, values?: ArrayLike<number>): Matrix {
  const data = new Float64Array(rows * cols);
  if (values) data.set(Array.from(values).slice(0, rows * cols));
  return { rows, cols, data };
}

function broadcast(a: Matrix, b: Matrix, fn: (x: number, y: number) => number): Matrix {
  if (a.cols !== b.cols || (a.rows !== b.rows && a.rows !== 1 && b.rows !== 1)) {
    throw new Error(`shape mismatch [${a.rows},${a.cols}] vs [${b.rows},${b.cols}]`);
  }
  const rows = Math.max(a.rows, b.rows);
  const out = matrix(rows, a.cols);
  for (let r = 0; r < rows; r++) {
    const ra = a.rows === 1 ? 0 : r;
    const rb = b.rows === 1 ? 0 : r;
    for (let c = 0; c < a.cols; c++) {
      out.data[r * a.cols + c] = fn(a.data[ra * a.cols + c], b.data[rb * b.cols + c]);
    }
  }
  return out;
}

function map(a: Matrix, fn: (x: number) => number): Matrix {
  return { rows: a.rows, cols: a.cols, data: a.data.map(fn) };
}

/** The reference interpreter of the model math: plain float64, no dependencies. */
export const float64Ops: TensorOps<Matrix> = {
  linear(x, w, b, s) {
    if (x.cols !== w.cols) throw new Error(`linear: input has ${x.cols} columns, weight expects ${w.cols}`);
    const out = matrix(x.rows, w.rows);
    for (let r = 0; r < x.rows; r++) {
      for (let o = 0; o < w.rows; o++) {
        let acc = b ? b.data[o] : 0;
        for (let i = 0; i < x.cols; i++) acc += x.data[r * x.cols + i] * w.data[o * w.cols + i];
        out.data[r * w.rows + o] = s * acc;
      }
    }
    return out;
  },
  add: (a, b) => broadcast(a, b, (x, y) => x + y),
  sub: (a, b) => broadcast(a, b, (x, y) => x - y),
  mul: (a, b) => broadcast(a, b, (x, y) => x * y),
  scale: (a, s) => map(a, (x) => x * s),
  addScalar: (a, s) => map(a, (x) => x + s),
  sin: (a) => map(a, Math.sin),
  cos: (a) => map(a, Math.cos),
  tanh: (a) => map(a, Math.tanh),
  sigmoid: (a) => map(a, (x) => 1 / (1 + Math.exp(-x))),
  relu: (a) => map(a, (x) => Math.max(x, 0)),
  abs: (a) => map(a, Math.abs),
  exp: (a) => map(a, Math.exp),
  step: (a) => map(a, (x) => (x > 0 ? 1 : 0)),
  sign: (a) => map(a, (x) => (x > 0 ? 1 : x < 0 ? -1 : 0)),
  concatColumns(parts) {
    const rows = Math.max(...parts.map((p) => p.rows));
    const cols = parts.reduce((n, p) => n + p.cols, 0);
    const out = matrix(rows, cols);
    for (let r = 0; r < rows; r++) {
      let offset = 0;
      for (const p of parts) {
        const pr = p.rows === 1 ? 0 : r;
        for (let c = 0; c < p.cols; c++) out.data[r * cols + offset + c] = p.data[pr * p.cols + c];
        offset += p.cols;
      }
    }
    return out;
  },
  mean: (a) => matrix(1, 1, [a.data.reduce((x, y) => x + y, 0) / a.data.length]),
  constant: (values, rows, cols) => matrix(rows, cols, values),
};

export function paramsToMatrices(params: ModelParams) {
  return params.map((p) => ({ weight: matrix(p.out, p.in, p.weight), bias: matrix(1, p.out, p.bias) }));
}
