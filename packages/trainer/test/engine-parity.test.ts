/**
 * The ONNX engine (core's hand-written reverse-mode autodiff) against the tfjs engine (tfjs's
 * own autodiff) and float64 finite differences, for every activation and supervision.
 */
import {
  createSpec,
  float64Ops,
  forwardJet,
  initParams,
  type ModelKind,
  type ModelParams,
  matrix,
  paramsToMatrices,
  regionGrid,
  SeededRandom,
  SUPERVISION_ORDER,
  type Supervision,
  supervisionLoss,
  TARGET_NAMES,
} from "@siren-onnx/core";
import { describe, expect, it } from "vitest";
import { relativeError } from "../../../test/support/fixtures.ts";
import { DEFAULT_ADAM, type EngineOptions, type StepBatch, type TrainingEngine } from "../src/engines/engine.ts";
import { createOnnxEngine } from "../src/engines/onnx-engine.ts";
import { createTfjsEngine } from "../src/engines/tfjs-engine.ts";

interface Case {
  kind: ModelKind;
  supervision: Supervision;
  outputs?: 1 | 3;
  hiddenLayers?: number;
}

// ReLU networks are piecewise linear: their Laplacian is identically 0, so a Laplacian loss has
// zero weight gradients and compares nothing (checked separately below). relu-pe is not affected:
// its encoding has curvature that the ReLU layers carry linearly.
const CASES: Case[] = [
  ...(["sine", "tanh", "sigmoid", "relu-pe", "finer", "gauss"] as const).flatMap((kind) =>
    (["value", "gradient", "laplacian"] as const).map((supervision) => ({ kind, supervision })),
  ),
  { kind: "relu", supervision: "value" },
  { kind: "relu", supervision: "gradient" },
  { kind: "sine", supervision: "laplacian", outputs: 3, hiddenLayers: 2 },
  { kind: "tanh", supervision: "gradient", outputs: 3 },
  { kind: "relu", supervision: "value", outputs: 3, hiddenLayers: 2 },
];

const SIDE = 8; // 64 points
const LR = 1e-3;

function setup(c: Case) {
  const spec = createSpec(c.kind, {
    width: 12,
    hiddenLayers: c.hiddenLayers ?? 1,
    outputs: c.outputs ?? 1,
    peFrequencies: 2,
  });
  const params = initParams(spec, 11);
  const n = SIDE * SIDE;
  const rng = new SeededRandom(5);
  const targets: Record<string, Float32Array> = {};
  for (const name of TARGET_NAMES[c.supervision]) {
    targets[name] = Float32Array.from({ length: n * spec.outputs }, () => rng.uniform(-1, 1));
  }
  const batch: StepBatch = { coords: regionGrid(SIDE, SIDE), targets };
  const options: EngineOptions = {
    spec,
    params,
    supervision: c.supervision,
    batchSize: n,
    adam: { ...DEFAULT_ADAM, lr: LR },
  };
  return { spec, params, batch, options };
}

async function withEngines<R>(options: EngineOptions, run: (onnx: TrainingEngine, tfjs: TrainingEngine) => Promise<R>) {
  const onnx = await createOnnxEngine(options);
  const tfjs = await createTfjsEngine(options);
  try {
    return await run(onnx, tfjs);
  } finally {
    await Promise.all([onnx.dispose(), tfjs.dispose()]);
  }
}

const tensorsOf = (p: ModelParams) =>
  p.flatMap((l, i) => [[`layers.${i}.weight`, l.weight] as const, [`layers.${i}.bias`, l.bias] as const]);

/** The task loss in float64 with one parameter entry changed (the finite-difference side). */
function float64Loss(setupResult: ReturnType<typeof setup>, supervision: Supervision, params: ModelParams): number {
  const { spec, batch } = setupResult;
  const n = batch.coords.length / 2;
  const targets = Object.fromEntries(Object.entries(batch.targets).map(([k, v]) => [k, matrix(n, spec.outputs, v)]));
  const jet = forwardJet(
    float64Ops,
    spec,
    paramsToMatrices(params),
    matrix(n, 2, batch.coords),
    SUPERVISION_ORDER[supervision],
  );
  return supervisionLoss(float64Ops, supervision, jet, targets).data[0];
}

const label = (c: Case) =>
  `${c.kind} ${c.supervision}${c.outputs === 3 ? " rgb" : ""}${c.hiddenLayers ? ` ${c.hiddenLayers} hidden` : ""}`;

describe("engine parity: onnxruntime vs tfjs", () => {
  it.each(CASES.map((c) => [label(c), c] as const))("%s: loss and every gradient agree", async (_, c) => {
    const s = setup(c);
    const [a, b] = await withEngines(s.options, (onnx, tfjs) =>
      Promise.all([onnx.lossGradients(s.batch), tfjs.lossGradients(s.batch)]),
    );
    expect(Math.abs(a.loss - b.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(b.loss));
    const bTensors = new Map(tensorsOf(b.gradients));
    for (const [name, grad] of tensorsOf(a.gradients)) {
      const reference = bTensors.get(name)!;
      expect(grad.length, name).toBe(reference.length);
      expect(relativeError(grad, reference), name).toBeLessThan(1e-4);
    }
    // A meaningful comparison: the gradients are not all zero.
    expect(Math.max(...a.gradients[0].weight.map(Math.abs))).toBeGreaterThan(1e-6);
  });

  it.each(CASES.filter((c) => c.outputs === undefined).map((c) => [label(c), c] as const))(
    "%s: two Adam steps give the same weights",
    async (_, c) => {
      const s = setup(c);
      const [a, b] = await withEngines(s.options, async (onnx, tfjs) => {
        for (const lr of [LR, LR / 2]) {
          const [la, lb] = await Promise.all([onnx.step(s.batch, lr), tfjs.step(s.batch, lr)]);
          expect(Math.abs(la - lb)).toBeLessThanOrEqual(1e-5 * Math.abs(lb));
        }
        return Promise.all([onnx.params(), tfjs.params()]);
      });
      const start = new Map(tensorsOf(s.params));
      const bTensors = new Map(tensorsOf(b));
      for (const [name, wa] of tensorsOf(a)) {
        const wb = bTensors.get(name)!;
        const w0 = start.get(name)!;
        let worst = 0;
        let moved = 0;
        for (let i = 0; i < wa.length; i++) {
          worst = Math.max(worst, Math.abs(wa[i] - wb[i]));
          moved = Math.max(moved, Math.abs(wb[i] - w0[i]));
        }
        // Each step moves a weight by up to about lr: agree to 1% of a step.
        expect(worst, name).toBeLessThan(1e-2 * LR);
        // Not every tensor moves (e.g. a ReLU net's input gradient ignores the biases), but the first weights do.
        if (name === "layers.0.weight") expect(moved, name).toBeGreaterThan(LR / 2);
      }
    },
  );

  it("relu: a Laplacian loss has exactly zero weight gradients in both engines (f'' = 0)", async () => {
    const s = setup({ kind: "relu", supervision: "laplacian" });
    const grads = await withEngines(s.options, (onnx, tfjs) =>
      Promise.all([onnx.lossGradients(s.batch), tfjs.lossGradients(s.batch)]),
    );
    for (const g of grads) {
      for (const [name, t] of tensorsOf(g.gradients))
        expect(
          t.every((v) => v === 0),
          name,
        ).toBe(true);
    }
  });
});

describe("engine parity: both engines vs float64 finite differences", () => {
  const FD_CASES = CASES.filter((c) => c.outputs === undefined && c.hiddenLayers === undefined);

  it.each(FD_CASES.map((c) => [label(c), c] as const))("%s", async (_, c) => {
    const s = setup(c);
    const grads = await withEngines(s.options, (onnx, tfjs) =>
      Promise.all([onnx.lossGradients(s.batch), tfjs.lossGradients(s.batch)]),
    );
    // The largest-gradient entry of the first and the last weight matrix.
    for (const layer of [0, s.params.length - 1]) {
      const g = grads[0].gradients[layer].weight;
      let index = 0;
      for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[index])) index = i;
      const h = 1e-6;
      const shifted = (delta: number) => {
        const p = s.params.map((l) => ({ ...l, weight: Float64Array.from(l.weight) as unknown as Float32Array }));
        p[layer].weight[index] += delta;
        return float64Loss(s, c.supervision, p);
      };
      const fd = (shifted(h) - shifted(-h)) / (2 * h);
      for (const [engine, result] of [
        ["onnx", grads[0]],
        ["tfjs", grads[1]],
      ] as const) {
        const value = result.gradients[layer].weight[index];
        expect(Math.abs(value - fd), `${engine} layers.${layer}.weight[${index}]`).toBeLessThan(
          1e-3 * Math.abs(fd) + 1e-7,
        );
      }
    }
  });
});
