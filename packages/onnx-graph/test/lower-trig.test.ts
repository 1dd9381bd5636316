import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { trigArguments, trigErrors } from "../../../test/support/trig-arguments.ts";
import { gradients } from "../src/autodiff.ts";
import { Graph } from "../src/graph.ts";
import { GraphOps } from "../src/graph-ops.ts";
import { FLOAT32_TRIG_OPS, lowerTrig, sinCosFloat32, TRIG_CONSTANTS } from "../src/lower-trig.ts";
import { graphToOnnx } from "../src/onnx-model.ts";

const LOWERED_OPS = new Set(["Mul", "Add", "Sub", "Round", "Abs", "Sign"]);

function emulate(xs: Float32Array): { sin: Float32Array; cos: Float32Array } {
  const sin = new Float32Array(xs.length);
  const cos = new Float32Array(xs.length);
  xs.forEach((x, i) => {
    [sin[i], cos[i]] = sinCosFloat32(x);
  });
  return { sin, cos };
}

describe("float32 emulation of the lowered sin/cos", () => {
  const xs = trigArguments();
  const { sin, cos } = emulate(xs);

  it("agrees with float64 Math.sin/Math.cos of the same float32 argument to 1e-6 for |x| <= 1e4", () => {
    const e = trigErrors(xs, sin, cos, 1e4);
    console.log(
      `lowered sin/cos, float32 emulation, |x| <= 1e4: sin ${e.sin.toExponential(2)}, cos ${e.cos.toExponential(2)} (${e.count} points)`,
    );
    expect(e.count).toBeGreaterThan(100_000);
    expect(e.sin).toBeLessThanOrEqual(1e-6);
    expect(e.cos).toBeLessThanOrEqual(1e-6);
  });

  it("stays within 1e-6 up to |x| = 1e5 (the reduction is exact there)", () => {
    const e = trigErrors(xs, sin, cos, 1e5);
    console.log(
      `lowered sin/cos, float32 emulation, |x| <= 1e5: sin ${e.sin.toExponential(2)}, cos ${e.cos.toExponential(2)} (${e.count} points)`,
    );
    expect(e.count).toBeGreaterThan(trigErrors(xs, sin, cos, 1e4).count + 50_000);
    expect(Math.max(e.sin, e.cos)).toBeLessThanOrEqual(1e-6);
  });

  it("is odd (sin) and even (cos) bit for bit, exact at 0, and NaN for NaN and infinities", () => {
    const asymmetric = xs.filter((x) => {
      const [s, c] = sinCosFloat32(x);
      const [sn, cn] = sinCosFloat32(-x);
      return !(sn === -s && cn === c);
    });
    expect(asymmetric.length).toBe(0);
    const [s0, c0] = sinCosFloat32(0);
    expect(Math.abs(s0)).toBe(0);
    expect(Math.abs(c0 - 1)).toBeLessThanOrEqual(2 ** -23);
    for (const x of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])
      expect(sinCosFloat32(x).every(Number.isNaN)).toBe(true);
  });

  it("rounds half to even, like ONNX Round", () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(FLOAT32_TRIG_OPS.round)).toEqual([
      0, 2, 2, -0, -2, -2, 2, -3,
    ]);
  });

  it("uses float32 constants and a Cody-Waite split whose products m C1, m C2 are exact for |m| < 2^16", () => {
    const { c1, c2, c3, inv2pi, halfPi } = TRIG_CONSTANTS;
    for (const c of [c1, c2, c3, inv2pi, halfPi, ...TRIG_CONSTANTS.sin, ...TRIG_CONSTANTS.cos])
      expect(Math.fround(c)).toBe(c);
    const significantBits = (v: number) => {
      let m = Math.abs(v) / 2 ** Math.floor(Math.log2(Math.abs(v)));
      let bits = 1;
      while (m !== Math.floor(m)) {
        m *= 2;
        bits++;
      }
      return bits - 1;
    };
    expect(significantBits(c1) + 16).toBeLessThanOrEqual(24);
    expect(significantBits(c2) + 16).toBeLessThanOrEqual(24);
    expect(Math.abs(c1 + c2 + c3 - 2 * Math.PI)).toBeLessThan(1e-12);
  });
});

/** A graph with sin z, cos z, another sin z (as autodiff makes them), cos w and sin of an input. */
function trigGraph() {
  const graph = new Graph("trig");
  const ops = new GraphOps(graph);
  const x = graph.input("x", [4, 3]);
  const z = ops.scale(x, 30);
  const w = ops.addScalar(x, 1);
  graph.output(ops.add(ops.sin(z), ops.cos(z)), "a");
  graph.output(ops.mul(ops.sin(z), ops.cos(w)), "b");
  graph.output(ops.sin(x), "c");
  return graph;
}

describe("lowerTrig", () => {
  it("replaces every Sin/Cos by standard arithmetic, one reduction per input, one polynomial per (op, input)", () => {
    const graph = trigGraph();
    const before = graph.nodes.filter((n) => !["Sin", "Cos"].includes(n.op)).length;
    lowerTrig(graph);
    const ops = graph.nodes.map((n) => n.op);
    expect(ops.filter((op) => op === "Sin" || op === "Cos")).toEqual([]);
    // Three distinct inputs (z, w, x): three reductions, each with one Round and one Sign.
    expect(ops.filter((op) => op === "Round").length).toBe(3);
    expect(ops.filter((op) => op === "Sign").length).toBe(3);
    // sin z and cos z share the reduction: 12 + 9 + 9; cos w and sin x: 12 + 9 each.
    expect(graph.nodes.length - before).toBe(30 + 21 + 21);
    // The graph around the trig nodes is only Mul, Add and Identity, so every op is standard arithmetic.
    expect(ops.filter((op) => !LOWERED_OPS.has(op) && op !== "Identity")).toEqual([]);
    expect(new Set(graph.nodes.map((n) => n.name)).size).toBe(graph.nodes.length);
    expect(new Set(graph.nodes.map((n) => n.output.name)).size).toBe(graph.nodes.length);
  });

  it("keeps the nodes in dependency order and the graph outputs by name", () => {
    const graph = lowerTrig(trigGraph());
    const known = new Set(
      [...graph.inputs, ...[...graph.initializers.values()].map((i) => i.value)].map((v) => v.name),
    );
    for (const n of graph.nodes) {
      expect(n.inputs.filter((v) => !known.has(v.name))).toEqual([]);
      known.add(n.output.name);
    }
    expect(graph.outputs.map((o) => o.name)).toEqual(["a", "b", "c"]);
    expect(graph.outputs.every((o) => known.has(o.name))).toBe(true);
  });

  it("keeps the name of a graph output that a Sin node produces directly", () => {
    const graph = new Graph("direct");
    const x = graph.input("x", [2]);
    const s = graph.node("Sin", [x], [2], {}, "s");
    graph.outputs.push(s);
    lowerTrig(graph);
    const producer = graph.nodes.find((n) => n.output.name === "s");
    expect(producer?.op).toBe("Identity");
    expect(graph.nodes.some((n) => n.op === "Sin")).toBe(false);
  });

  it("runs after autodiff, which still sees Sin and Cos", () => {
    const graph = new Graph("grad");
    const ops = new GraphOps(graph);
    const x = graph.input("x", [3, 2]);
    const loss = ops.mean(ops.sin(ops.scale(x, 30)));
    const [dx] = gradients(graph, loss, [x]);
    expect(graph.nodes.some((n) => n.op === "Cos")).toBe(true);
    graph.output(loss, "loss");
    graph.output(dx, "dx");
    lowerTrig(graph.prune());
    expect(graph.nodes.some((n) => n.op === "Sin" || n.op === "Cos")).toBe(false);
    // sin and the backward pass's cos of the same argument share one reduction.
    expect(graph.nodes.filter((n) => n.op === "Round").length).toBe(1);
  });
});

describe("lowered sin/cos in onnxruntime", () => {
  it("agrees with float64 to 1e-6 for |x| <= 1e4 (and 1e5), bit for bit with the float32 emulation", async () => {
    const xs = trigArguments();
    const graph = new Graph("trig");
    const x = graph.input("x", [-1]);
    graph.output(graph.node("Sin", [x], [-1]), "sin");
    graph.output(graph.node("Cos", [x], [-1]), "cos");
    const session = await ort.InferenceSession.create(graphToOnnx(lowerTrig(graph)), { intraOpNumThreads: 1 });
    try {
      const out = await session.run({ x: new ort.Tensor("float32", xs, [xs.length]) });
      const sin = out.sin.data as Float32Array;
      const cos = out.cos.data as Float32Array;
      for (const limit of [1e4, 1e5]) {
        const e = trigErrors(xs, sin, cos, limit);
        console.log(
          `lowered sin/cos, onnxruntime-node, |x| <= ${limit}: sin ${e.sin.toExponential(2)}, cos ${e.cos.toExponential(2)}`,
        );
        expect(Math.max(e.sin, e.cos)).toBeLessThanOrEqual(1e-6);
      }
      const differing = Array.from(xs).filter((v, i) => {
        const [s, c] = sinCosFloat32(v);
        return s !== sin[i] || c !== cos[i];
      });
      expect(differing).toEqual([]);
    } finally {
      await session.release();
    }
  });
});
