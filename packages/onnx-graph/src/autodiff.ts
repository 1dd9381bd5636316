import type { Graph, GraphNode, Shape, Value } from "./graph.ts";
import { GraphBuilder } from "./graph-ops.ts";

/**
 * Reverse-mode differentiation over the graph: appends the nodes that compute d(loss)/d(wrt)
 * and returns their values. The gradient nodes are ordinary graph nodes, so they can be
 * differentiated again (the Poisson losses train on the model's input derivatives).
 */
export function gradients(graph: Graph, loss: Value, wrt: Value[]): Value[] {
  const b = new GraphBuilder(graph);
  const nodes = [...graph.nodes];
  const varying = dependsOn(nodes, wrt);
  const adjoints = new Map<string, Value>();
  adjoints.set(loss.name, graph.constant(Array(Math.max(1, sizeOf(loss.shape))).fill(1), loss.shape));

  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    const dy = adjoints.get(node.output.name);
    if (!dy) continue;
    const needs = node.inputs.map((x) => varying.has(x.name));
    if (!needs.some(Boolean)) continue;
    const rule = RULES[node.op];
    if (!rule) throw new Error(`autodiff: no backward rule for ${node.op} (node ${node.name})`);
    const grads = rule(b, node, dy, needs);
    node.inputs.forEach((x, k) => {
      const g = grads[k];
      if (!needs[k] || !g) return;
      const prev = adjoints.get(x.name);
      adjoints.set(x.name, prev ? b.binary("Add", prev, g) : g);
    });
  }
  return wrt.map((x) => adjoints.get(x.name) ?? graph.constant(Array(sizeOf(x.shape)).fill(0), x.shape));
}

function sizeOf(shape: Shape): number {
  if (shape.some((d) => d < 0)) throw new Error(`autodiff needs static shapes, got [${shape}]`);
  return shape.reduce((a, d) => a * d, 1);
}

/** Names of all values computed from any of `sources`. */
function dependsOn(nodes: GraphNode[], sources: Value[]): Set<string> {
  const set = new Set(sources.map((s) => s.name));
  for (const n of nodes) {
    if (NON_DIFFERENTIABLE.has(n.op)) continue;
    if (n.inputs.some((x) => set.has(x.name))) set.add(n.output.name);
  }
  return set;
}

/**
 * Operators whose output is locally constant (masks, shapes, signs): no gradient flows through
 * them. Sign's derivative is 0 everywhere but at 0 (the almost-everywhere derivative).
 */
const NON_DIFFERENTIABLE = new Set(["Greater", "Cast", "Shape", "Sign"]);

type Rule = (b: GraphBuilder, node: GraphNode, dy: Value, needs: boolean[]) => Array<Value | null>;

/** Sums a broadcast gradient back to the shape of the operand it came from. */
export function unbroadcast(b: GraphBuilder, g: Value, shape: Shape): Value {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  if (shape.length === 0) return b.reduceSum(g, null, 0);
  const lead = g.shape.length - shape.length;
  const axes: number[] = [];
  g.shape.forEach((d, i) => {
    const target = i < lead ? undefined : shape[i - lead];
    if (target === undefined || (target === 1 && d !== 1)) axes.push(i);
  });
  const kept = axes.filter((a) => a >= lead);
  let out = kept.length > 0 ? b.reduceSum(g, kept, 1) : g;
  if (lead > 0)
    out = b.reduceSum(
      out,
      Array.from({ length: lead }, (_, i) => i),
      0,
    );
  return out;
}

const RULES: Record<string, Rule> = {
  Identity: (_b, _n, dy) => [dy],
  Add: (b, n, dy) => [unbroadcast(b, dy, n.inputs[0].shape), unbroadcast(b, dy, n.inputs[1].shape)],
  Sub: (b, n, dy, needs) => [
    unbroadcast(b, dy, n.inputs[0].shape),
    needs[1] ? unbroadcast(b, b.unary("Neg", dy), n.inputs[1].shape) : null,
  ],
  Mul: (b, n, dy, needs) => {
    const [x, y] = n.inputs;
    return [
      needs[0] ? unbroadcast(b, b.binary("Mul", dy, y), x.shape) : null,
      needs[1] ? unbroadcast(b, b.binary("Mul", dy, x), y.shape) : null,
    ];
  },
  Neg: (b, _n, dy) => [b.unary("Neg", dy)],
  Sin: (b, n, dy) => [b.binary("Mul", dy, b.unary("Cos", n.inputs[0]))],
  Cos: (b, n, dy) => [b.binary("Mul", dy, b.unary("Neg", b.unary("Sin", n.inputs[0])))],
  Tanh: (b, n, dy) => {
    const y = n.output;
    // d tanh = 1 - y^2
    return [b.binary("Mul", dy, b.binary("Sub", b.graph.scalar(1), b.binary("Mul", y, y)))];
  },
  Sigmoid: (b, n, dy) => {
    const y = n.output;
    return [b.binary("Mul", dy, b.binary("Sub", y, b.binary("Mul", y, y)))];
  },
  Relu: (b, n, dy) => [b.binary("Mul", dy, b.step(n.inputs[0]))],
  // d|x| = sign(x) (0 at the kink, as ONNX Sign).
  Abs: (b, n, dy) => [b.binary("Mul", dy, b.unary("Sign", n.inputs[0]))],
  Exp: (b, n, dy) => [b.binary("Mul", dy, n.output)],
  Gemm: (b, n, dy, needs) => {
    const [a, w, c] = n.inputs;
    const attr = (k: string, d: number) => {
      const v = n.attributes[k];
      return v && ("int" in v ? v.int : "float" in v ? v.float : d);
    };
    const alpha = attr("alpha", 1) as number;
    const beta = attr("beta", 1) as number;
    const ta = attr("transA", 0) as 0 | 1;
    const tb = attr("transB", 0) as 0 | 1;
    const flip = (t: 0 | 1) => (1 - t) as 0 | 1;
    // With A' = op(A), B' = op(B): dA' = alpha dY B'^T, dB' = alpha A'^T dY, transposed back when op transposes.
    const dA = !needs[0]
      ? null
      : ta === 0
        ? b.gemm(dy, w, null, { alpha, transB: flip(tb) })
        : b.gemm(w, dy, null, { alpha, transA: tb, transB: 1 });
    const dB = !needs[1]
      ? null
      : tb === 0
        ? b.gemm(a, dy, null, { alpha, transA: flip(ta) })
        : b.gemm(dy, a, null, { alpha, transA: 1, transB: ta });
    // Reduce before scaling: the scale then touches [out] values instead of [N, out].
    const dC = c && needs[2] ? b.scale(unbroadcast(b, dy, c.shape), beta) : null;
    return [dA, dB, dC];
  },
  Concat: (b, n, dy) => {
    const axis = (n.attributes.axis as { int: number }).int;
    let offset = 0;
    return n.inputs.map((x) => {
      const part = b.slice(dy, axis, offset, offset + x.shape[axis]);
      offset += x.shape[axis];
      return part;
    });
  },
  Expand: (b, n, dy) => [unbroadcast(b, dy, n.inputs[0].shape), null],
  ReduceMean: (b, n, dy) => {
    const x = n.inputs[0];
    const count = sizeOf(x.shape);
    return [b.expandLike(b.scale(dy, 1 / count), x)];
  },
  ReduceSum: (b, n, dy) => {
    const x = n.inputs[0];
    const keep = (n.attributes.keepdims as { int: number }).int;
    if (n.inputs.length > 1 && !keep)
      throw new Error("autodiff: ReduceSum over some axes without keepdims is not supported");
    return [b.expandLike(dy, x), null];
  },
};
