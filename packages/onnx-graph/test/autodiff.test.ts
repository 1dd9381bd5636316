/**
 * Every backward rule of the reverse-mode differentiator (onnx-graph/src/autodiff.ts),
 * run in onnxruntime, against central finite differences; and gradients of gradients.
 */

import {
  createSpec,
  float64Ops,
  forwardJet,
  initParams,
  type ModelParams,
  matrix,
  paramsToMatrices,
  SeededRandom,
  supervisionLoss,
} from "@siren-onnx/core";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { Graph, GraphBuilder, GraphOps, gradients, graphToOnnx, type Shape, type Value } from "../src/index.ts";

const size = (shape: Shape) => shape.reduce((a, d) => a * d, 1);

async function session(graph: Graph) {
  const s = await ort.InferenceSession.create(graphToOnnx(graph.prune()), { intraOpNumThreads: 1 });
  return async (feeds: Record<string, Float32Array>, fetch?: string[]) => {
    const tensors = Object.fromEntries(
      graph.inputs.map((v) => [v.name, new ort.Tensor("float32", feeds[v.name], [...v.shape])]),
    );
    const out = await (fetch ? s.run(tensors, fetch) : s.run(tensors));
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array]));
  };
}

interface RuleCase {
  name: string;
  inputs: Shape[];
  build: (b: GraphBuilder, xs: Value[]) => Value;
  /** Keep inputs away from 0, where Relu/step have their kink. */
  awayFromZero?: boolean;
}

/**
 * Builds loss = sum(op(x...) * R) with a fixed random R (so that every output element gets a
 * different adjoint), differentiates it with `gradients`, and compares each input's gradient
 * with central differences of the loss, all evaluated in onnxruntime (float32).
 */
async function checkRule(c: RuleCase) {
  const graph = new Graph(c.name);
  const b = new GraphBuilder(graph);
  const xs = c.inputs.map((shape, k) => graph.input(`x${k}`, shape));
  const y = c.build(b, xs);
  const rng = new SeededRandom(3);
  const weights = graph.constant(
    Array.from({ length: size(y.shape) }, () => rng.uniform(0.5, 1.5) * (rng.next() < 0.5 ? -1 : 1)),
    y.shape,
  );
  const loss = b.reduceSum(b.binary("Mul", y, weights), null, 0);
  const grads = gradients(graph, loss, xs);
  graph.output(loss, "loss");
  for (const [k, g] of grads.entries()) graph.output(g, `grad${k}`);
  const run = await session(graph);

  const feeds: Record<string, Float32Array> = {};
  xs.forEach((x) => {
    feeds[x.name] = Float32Array.from({ length: size(x.shape) }, () => {
      const v = rng.uniform(-1, 1);
      return c.awayFromZero ? Math.sign(v) * (0.2 + Math.abs(v)) : v;
    });
  });
  const analytic = await run(feeds);
  const h = 1e-2;
  for (const [k, x] of xs.entries()) {
    const g = analytic[`grad${k}`];
    expect(g.length, `${c.name}: gradient of x${k} has the input's size`).toBe(size(x.shape));
    for (let j = 0; j < g.length; j++) {
      const at = async (delta: number) => {
        const shifted = feeds[x.name].slice();
        shifted[j] += delta;
        return (await run({ ...feeds, [x.name]: shifted }, ["loss"])).loss[0];
      };
      const fd = ((await at(h)) - (await at(-h))) / (2 * h);
      expect(Math.abs(g[j] - fd), `${c.name}: d loss / d x${k}[${j}] = ${g[j]}, FD ${fd}`).toBeLessThan(
        2e-3 + 1e-2 * Math.abs(fd),
      );
    }
  }
}

const M = 3;
const K = 4;
const N = 2;

const gemmCases: RuleCase[] = ([0, 1] as const).flatMap((transA) =>
  ([0, 1] as const).flatMap((transB) => {
    const a = transA ? [K, M] : [M, K];
    const w = transB ? [N, K] : [K, N];
    return [
      {
        name: `Gemm transA=${transA} transB=${transB}, alpha/beta, bias [N]`,
        inputs: [a, w, [N]],
        build: (b: GraphBuilder, [x, y, c]: Value[]) => b.gemm(x, y, c, { alpha: 0.7, beta: 1.3, transA, transB }),
      },
      {
        name: `Gemm transA=${transA} transB=${transB}, no C`,
        inputs: [a, w],
        build: (b: GraphBuilder, [x, y]: Value[]) => b.gemm(x, y, null, { alpha: -1.5, transA, transB }),
      },
    ];
  }),
);

const RULE_CASES: RuleCase[] = [
  ...gemmCases,
  {
    name: "Gemm, C [M, N] and [M, 1]",
    inputs: [
      [M, K],
      [K, N],
      [M, N],
      [M, 1],
    ],
    build: (b, [x, y, c, column]) => b.binary("Add", b.gemm(x, y, c, { beta: 2 }), b.gemm(x, y, column, { beta: -1 })),
  },
  ...(["Add", "Sub", "Mul"] as const).flatMap((op) => [
    {
      name: `${op} [3,4] with [4]`,
      inputs: [[3, 4], [4]],
      build: (b: GraphBuilder, [x, y]: Value[]) => b.binary(op, x, y),
    },
    {
      name: `${op} [1,4] with [3,4]`,
      inputs: [
        [1, 4],
        [3, 4],
      ],
      build: (b: GraphBuilder, [x, y]: Value[]) => b.binary(op, x, y),
    },
    {
      name: `${op} [3,1] with [1,4]`,
      inputs: [
        [3, 1],
        [1, 4],
      ],
      build: (b: GraphBuilder, [x, y]: Value[]) => b.binary(op, x, y),
    },
    {
      name: `${op} [2,3] with scalar`,
      inputs: [[2, 3], []],
      build: (b: GraphBuilder, [x, y]: Value[]) => b.binary(op, x, y),
    },
  ]),
  { name: "Mul of a value with itself", inputs: [[2, 3]], build: (b, [x]) => b.binary("Mul", x, x) },
  ...(["Sin", "Cos", "Tanh", "Sigmoid", "Neg", "Identity"] as const).map((op) => ({
    name: op,
    inputs: [[2, 3]],
    build: (b: GraphBuilder, [x]: Value[]) => b.unary(op, x),
  })),
  { name: "Relu", inputs: [[2, 3]], build: (b, [x]) => b.unary("Relu", x), awayFromZero: true },
  { name: "Abs", inputs: [[2, 3]], build: (b, [x]) => b.unary("Abs", x), awayFromZero: true },
  { name: "Exp", inputs: [[2, 3]], build: (b, [x]) => b.unary("Exp", x) },
  {
    name: "Sign passes no gradient (x * Sign(x) = |x|)",
    inputs: [[2, 3]],
    build: (b, [x]) => b.binary("Mul", x, b.unary("Sign", x)),
    awayFromZero: true,
  },
  {
    name: "finer's (|x| + 1) x, differentiated through the scale",
    inputs: [[2, 3]],
    build: (b, [x]) => b.binary("Mul", b.binary("Add", b.unary("Abs", x), b.graph.scalar(1)), x),
    awayFromZero: true,
  },
  {
    name: "Greater/Cast pass no gradient (x * step(x))",
    inputs: [[2, 3]],
    build: (b, [x]) => b.binary("Mul", x, b.step(x)),
    awayFromZero: true,
  },
  {
    name: "Concat axis 1",
    inputs: [
      [3, 2],
      [3, 4],
    ],
    build: (b, [x, y]) => b.concat([x, y], 1),
  },
  {
    name: "Concat axis 0",
    inputs: [
      [2, 3],
      [1, 3],
    ],
    build: (b, [x, y]) => b.concat([x, y], 0),
  },
  {
    name: "Concat with a broadcast row (Expand)",
    inputs: [
      [1, 2],
      [3, 2],
    ],
    build: (b, [row, x]) => b.concat([row, b.binary("Mul", x, x)], 1),
  },
  {
    name: "Expand a row to a shape (expandLike, Shape)",
    inputs: [
      [1, 4],
      [3, 4],
    ],
    build: (b, [row, like]) => b.binary("Add", b.expandLike(row, like), like),
  },
  { name: "Expand a scalar", inputs: [[], [2, 3]], build: (b, [s, like]) => b.expandLike(s, like) },
  { name: "ReduceMean (all)", inputs: [[3, 4]], build: (b, [x]) => b.meanAll(b.binary("Mul", x, x)) },
  { name: "ReduceSum (all, keepdims 0)", inputs: [[3, 4]], build: (b, [x]) => b.reduceSum(b.unary("Sin", x), null, 0) },
  {
    name: "ReduceSum (axis 1, keepdims 1)",
    inputs: [[3, 4]],
    build: (b, [x]) => b.reduceSum(b.unary("Sin", x), [1], 1),
  },
  {
    name: "ReduceSum (axis 0, keepdims 1)",
    inputs: [[3, 4]],
    build: (b, [x]) => b.reduceSum(b.unary("Sin", x), [0], 1),
  },
];

describe("autodiff backward rules vs central finite differences (onnxruntime, float32)", () => {
  it.each(RULE_CASES.map((c) => [c.name, c] as const))("%s", async (_, c) => {
    await checkRule(c);
  });

  it("gives zeros for an input the loss does not depend on", async () => {
    const graph = new Graph();
    const b = new GraphBuilder(graph);
    const [x, unused] = [graph.input("x", [2]), graph.input("unused", [3])];
    const [, g] = gradients(graph, b.reduceSum(b.unary("Sin", x), null, 0), [x, unused]);
    graph.output(g, "g");
    const out = await (await session(graph))({ x: new Float32Array(2), unused: new Float32Array(3) });
    expect(Array.from(out.g)).toEqual([0, 0, 0]);
  });

  it("names an operator without a backward rule, and ReduceSum over some axes without keepdims", () => {
    const graph = new Graph();
    const b = new GraphBuilder(graph);
    const x = graph.input("x", [2, 2]);
    expect(() => gradients(graph, b.reduceSum(b.binary("Div", x, x), null, 0), [x])).toThrow(
      /no backward rule for Div/,
    );
    expect(() => gradients(graph, b.reduceSum(b.reduceSum(x, [0], 0), null, 0), [x])).toThrow(/without keepdims/);
  });
});

describe("gradients of gradients", () => {
  it("d/dx of d/dx sum(x sin x) is 2 cos x - x sin x", async () => {
    const graph = new Graph();
    const b = new GraphBuilder(graph);
    const x = graph.input("x", [7]);
    const [first] = gradients(graph, b.reduceSum(b.binary("Mul", x, b.unary("Sin", x)), null, 0), [x]);
    const [second] = gradients(graph, b.reduceSum(first, null, 0), [x]);
    graph.output(first, "first");
    graph.output(second, "second");
    const xs = Float32Array.from([-2.5, -1, -0.3, 0, 0.4, 1.7, 3]);
    const out = await (await session(graph))({ x: xs });
    xs.forEach((v, i) => {
      expect(out.first[i]).toBeCloseTo(Math.sin(v) + v * Math.cos(v), 5);
      expect(out.second[i]).toBeCloseTo(2 * Math.cos(v) - v * Math.sin(v), 5);
    });
  });

  /**
   * Reverse over reverse: the input gradient of an MLP taken with `gradients`, a Poisson-style
   * loss on it, and that loss differentiated with `gradients` again w.r.t. the weights; checked
   * against core's forward-mode jet in float64 and float64 finite differences.
   */
  it.each(["sine", "tanh", "sigmoid", "finer", "gauss"] as const)(
    "%s MLP: Poisson loss on a reverse-mode input gradient",
    async (kind) => {
      const spec = createSpec(kind, { width: 6, hiddenLayers: 1 });
      const params = initParams(spec, 2);
      const n = 5;
      const rng = new SeededRandom(9);
      const coords = Float32Array.from({ length: 2 * n }, () => rng.uniform(-1, 1));
      const target = Float32Array.from({ length: 2 * n }, () => rng.uniform(-1, 1)); // (dx, dy) per point

      const graph = new Graph();
      const ops = new GraphOps(graph);
      const p = graph.input("coords", [n, 2]);
      const layers = params.map((l, i) => ({
        weight: graph.input(`w${i}`, [l.out, l.in]),
        bias: graph.input(`b${i}`, [l.out]),
      }));
      const image = forwardJet(ops, spec, layers, p, 0).value;
      // Points are independent, so d sum(image) / d coords is each point's own input gradient.
      const [inputGradient] = gradients(graph, ops.reduceSum(image, null, 0), [p]);
      const diff = ops.sub(inputGradient, graph.constant(target, [n, 2]));
      const poissonLoss = ops.mean(ops.mul(diff, diff)); // = (mse(dx) + mse(dy)) / 2, as supervisionLoss
      const weightGrads = gradients(
        graph,
        poissonLoss,
        layers.map((l) => l.weight),
      );
      graph.output(inputGradient, "inputGradient");
      graph.output(poissonLoss, "loss");
      for (const [i, g] of weightGrads.entries()) graph.output(g, `grad${i}`);
      const feeds: Record<string, Float32Array> = { coords };
      params.forEach((l, i) => {
        feeds[`w${i}`] = l.weight;
        feeds[`b${i}`] = l.bias;
      });
      const out = await (await session(graph))(feeds);

      const f64Loss = (ps: ModelParams) => {
        const jet = forwardJet(float64Ops, spec, paramsToMatrices(ps), matrix(n, 2, coords), 1);
        const dx = matrix(
          n,
          1,
          Array.from({ length: n }, (_, i) => target[2 * i]),
        );
        const dy = matrix(
          n,
          1,
          Array.from({ length: n }, (_, i) => target[2 * i + 1]),
        );
        return { jet, loss: supervisionLoss(float64Ops, "gradient", jet, { dx, dy }).data[0] };
      };
      const reference = f64Loss(params);
      for (let i = 0; i < n; i++) {
        expect(out.inputGradient[2 * i]).toBeCloseTo(reference.jet.gradient![0].data[i], 3);
        expect(out.inputGradient[2 * i + 1]).toBeCloseTo(reference.jet.gradient![1].data[i], 3);
      }
      expect(Math.abs(out.loss[0] - reference.loss)).toBeLessThan(1e-5 * reference.loss);

      const h = 1e-6;
      params.forEach((layer, li) => {
        const g = out[`grad${li}`];
        const scale = Math.max(...g.map(Math.abs));
        expect(scale).toBeGreaterThan(0);
        for (const j of [0, Math.floor(g.length / 2), g.length - 1]) {
          const shifted = (delta: number) =>
            f64Loss(
              params.map((l, k) => {
                if (k !== li) return l;
                const weight = Float64Array.from(layer.weight) as unknown as Float32Array;
                weight[j] += delta;
                return { ...l, weight };
              }),
            ).loss;
          const fd = (shifted(h) - shifted(-h)) / (2 * h);
          expect(Math.abs(g[j] - fd), `w${li}[${j}]: ${g[j]} vs FD ${fd}`).toBeLessThan(
            1e-4 * scale + 1e-3 * Math.abs(fd),
          );
        }
      });
    },
  );
});
