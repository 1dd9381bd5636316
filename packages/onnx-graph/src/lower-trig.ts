import { broadcastShapes, type Graph, type GraphNode, type Value } from "./graph.ts";

/**
 * sin and cos from plain float32 arithmetic (Mul, Add, Sub, Round, Abs, Sign), so that every
 * ONNX runtime computes them the same way, to ~3e-7, for arguments far beyond [-pi, pi]:
 * onnxruntime-web's wasm Sin is a slow scalar loop, onnxruntime's CPU Sin/Cos run on one
 * thread whatever intraOpNumThreads says, and WebGPU's native sin is only ~2e-4 accurate and
 * only in [-pi, pi], while a SIREN's first layer feeds arguments of ±30 and, out of sample, more.
 *
 * The recipe, written once against TrigOps (graph nodes for the models, float32 scalars for
 * the tests' emulation, in exactly the same order):
 *
 *   m = Round(x / 2pi)                              nearest whole turn (any near integer would do)
 *   y = ((x - m C1) - m C2) - m C3                  y = x - 2pi m in [-pi, pi] (Cody-Waite)
 *   u = pi/2 - |y|,  s = Sign(y)                    u in [-pi/2, pi/2]
 *   sin x = s cos(u) = s C(u^2),  cos x = sin(u) = u S(u^2)
 *
 * C1 = 6.28125 (8 significant bits) and C2 = 127/65536 (7 bits) make m C1 and m C2 exact in
 * float32 for |m| < 2^16, and then x - m C1 and (x - m C1) - m C2 are exact too (Sterbenz; the
 * second result is a multiple of 2^-22 below 4); C3 = fl32(2pi - C1 - C2) leaves 2.2e-14 of 2pi
 * unrepresented. So the reduction is exact up to the last two roundings for |x| < 2^16 2pi
 * (about 4.1e5). Folding by |y| instead of reducing by pi avoids the parity (-1)^k, which needs
 * three more passes (Floor of k/2 and an affine map) than Abs + Sign.
 *
 * C and S are absolute-error minimax polynomials (Remez exchange in float64 with numpy on
 * |u| <= pi/2 + 1/64, the margin covering a Round of a rounded x / 2pi; then rounded to
 * float32; scripts/trig-coefficients.py prints them): cos degree 8, max error 5.1e-8; sin
 * degree 9, 3.7e-9. Measured end to end against
 * float64 Math.sin/Math.cos of the same float32 argument (packages/onnx-graph/test/lower-trig.test.ts):
 * <= 2.9e-7 for |x| <= 1e4 and for |x| <= 1e5, mostly the roundings of y and u near sin x = 0;
 * beyond ~4e5 the products m C1 stop being exact and the error grows to ~3e-2 at 1e6 (where
 * float32 arguments are 0.06 apart anyway).
 */

/** The element-wise operations the recipe needs. `round` rounds half to even, like ONNX Round. */
export interface TrigOps<T> {
  mul(a: T, b: T | number): T;
  add(a: T, b: number): T;
  sub(a: T | number, b: T): T;
  round(a: T): T;
  abs(a: T): T;
  sign(a: T): T;
}

/** float32 constants of the recipe (each exactly representable in float32). */
export const TRIG_CONSTANTS = {
  /** fl32(1 / 2pi). */
  inv2pi: 0.15915493667125702,
  /** 2pi = c1 + c2 + c3 + 2.2e-14; c1 and c2 have 8 and 7 significant bits. */
  c1: 6.28125,
  c2: 0.0019378662109375,
  c3: -2.559031372584286e-6,
  /** fl32(pi / 2). */
  halfPi: 1.5707963705062866,
  /** cos(u) ~ sum c_i u^2i on |u| <= pi/2 + 1/64 (minimax, degree 8). */
  cos: [0.9999999403953552, -0.4999989867210388, 0.04166340082883835, -0.0013852313859388232, 2.312203469045926e-5],
  /** sin(u) ~ u sum s_i u^2i on |u| <= pi/2 + 1/64 (minimax, degree 9). */
  sin: [1, -0.16666646301746368, 0.008332873694598675, -0.00019799299479927868, 2.5872798232740024e-6],
} as const;

/** What sin x and cos x of one x share: the folded reduced argument u, u^2 and the sign of sin x. */
export interface TrigReduction<T> {
  u: T;
  u2: T;
  sign: T;
}

export function reduceTrigArgument<T>(ops: TrigOps<T>, x: T): TrigReduction<T> {
  const k = TRIG_CONSTANTS;
  const m = ops.round(ops.mul(x, k.inv2pi));
  const y = ops.sub(ops.sub(ops.sub(x, ops.mul(m, k.c1)), ops.mul(m, k.c2)), ops.mul(m, k.c3));
  const u = ops.sub(k.halfPi, ops.abs(y));
  return { u, u2: ops.mul(u, u), sign: ops.sign(y) };
}

/** c[0] + v (c[1] + v (c[2] + ...)) by Horner, one Mul and one Add per coefficient. */
function horner<T>(ops: TrigOps<T>, v: T, c: readonly number[]): T {
  let p = ops.mul(v, c[c.length - 1]);
  for (let i = c.length - 2; i > 0; i--) p = ops.mul(ops.add(p, c[i]), v);
  return ops.add(p, c[0]);
}

/** sin x = sign(y) cos(u). Sign(0) = 0 is right: y = 0 means sin x = 0. */
export function sinFromReduction<T>(ops: TrigOps<T>, r: TrigReduction<T>): T {
  return ops.mul(horner(ops, r.u2, TRIG_CONSTANTS.cos), r.sign);
}

/** cos x = cos |y| = sin(pi/2 - |y|) = sin u. */
export function cosFromReduction<T>(ops: TrigOps<T>, r: TrigReduction<T>): T {
  return ops.mul(horner(ops, r.u2, TRIG_CONSTANTS.sin), r.u);
}

const f32 = Math.fround;

/** ONNX Round: to nearest, ties to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The recipe on numbers, rounding every step to float32 as the ONNX graph does. */
export const FLOAT32_TRIG_OPS: TrigOps<number> = {
  mul: (a, b) => f32(a * f32(b)),
  add: (a, b) => f32(a + f32(b)),
  sub: (a, b) => f32(f32(a) - b),
  round: roundHalfEven,
  abs: Math.abs,
  sign: Math.sign,
};

/** [sin x, cos x] of a float32 x exactly as a lowered graph computes them. */
export function sinCosFloat32(x: number): [number, number] {
  const r = reduceTrigArgument(FLOAT32_TRIG_OPS, f32(x));
  return [sinFromReduction(FLOAT32_TRIG_OPS, r), cosFromReduction(FLOAT32_TRIG_OPS, r)];
}

/** The recipe emitted as graph nodes (scalar constants broadcast against the tensor). */
function graphTrigOps(graph: Graph): TrigOps<Value> {
  const operand = (v: Value | number) => (typeof v === "number" ? graph.scalar(f32(v)) : v);
  const binary = (op: string, a: Value | number, b: Value | number) => {
    const [x, y] = [operand(a), operand(b)];
    return graph.node(op, [x, y], broadcastShapes(x.shape, y.shape));
  };
  const unary = (op: string) => (a: Value) => graph.node(op, [a], a.shape);
  return {
    mul: (a, b) => binary("Mul", a, b),
    add: (a, b) => binary("Add", a, b),
    sub: (a, b) => binary("Sub", a, b),
    round: unary("Round"),
    abs: unary("Abs"),
    sign: unary("Sign"),
  };
}

/**
 * Replaces every Sin and Cos node by the recipe above, in place (returns the graph). All Sin
 * and Cos nodes of the same input share one reduction, and repeated Sin (or Cos) nodes of one
 * input share one polynomial, so sin z and cos z of a sine layer cost 30 element-wise passes
 * (21 for sin alone). Run it on a finished graph, just before serialising: autodiff has no rules
 * for Round/Abs/Sign, and sees Sin/Cos until then.
 */
export function lowerTrig(graph: Graph): Graph {
  const ops = graphTrigOps(graph);
  const original = graph.nodes.splice(0);
  const reductions = new Map<string, TrigReduction<Value>>();
  const lowered = new Map<string, Value>(); // `${op}:${input name}` -> result
  const replaced = new Map<string, Value>(); // old Sin/Cos output name -> result
  const renamed = (v: Value) => replaced.get(v.name) ?? v;

  for (const node of original) {
    const inputs = node.inputs.map(renamed);
    if (node.op !== "Sin" && node.op !== "Cos") {
      graph.nodes.push(inputs.every((v, i) => v === node.inputs[i]) ? node : { ...node, inputs });
      continue;
    }
    const x = inputs[0];
    const key = `${node.op}:${x.name}`;
    let result = lowered.get(key);
    if (!result) {
      let r = reductions.get(x.name);
      if (!r) {
        r = reduceTrigArgument(ops, x);
        reductions.set(x.name, r);
      }
      result = node.op === "Sin" ? sinFromReduction(ops, r) : cosFromReduction(ops, r);
      lowered.set(key, result);
    }
    replaced.set(node.output.name, result);
  }
  // A graph output produced directly by a Sin/Cos node keeps its name through an Identity.
  for (const out of graph.outputs) {
    const value = replaced.get(out.name);
    if (value) graph.nodes.push(identity(out, value));
  }
  // Node names only need to be unique; number them in their new order as Graph.node does.
  graph.nodes.splice(0, graph.nodes.length, ...graph.nodes.map((n, i) => ({ ...n, name: `node_${i}_${n.op}` })));
  return graph;
}

function identity(output: Value, input: Value): GraphNode {
  return { name: "", op: "Identity", inputs: [input], output, attributes: {} };
}
