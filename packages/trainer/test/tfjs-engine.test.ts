import { createRequire } from "node:module";
import {
  createSpec,
  float64Ops,
  forwardJet,
  initParams,
  matrix,
  paramsToMatrices,
  regionGrid,
  SeededRandom,
  UserError,
} from "@siren-onnx/core";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ADAM, type EngineOptions, type StepBatch } from "../src/engines/engine.ts";
import { initTfjsBackend, TFJS_BACKEND_ENV } from "../src/engines/tfjs-backend.ts";
import { createTfjsEngine } from "../src/engines/tfjs-engine.ts";

const spec = createSpec("sine", { width: 16, hiddenLayers: 1 });
const side = 8;
const coords = regionGrid(side, side);
const rng = new SeededRandom(7);
const batch: StepBatch = {
  coords,
  targets: { value: Float32Array.from({ length: side * side }, () => rng.uniform(-1, 1)) },
};
const options = (overrides: Partial<EngineOptions> = {}): EngineOptions => ({
  spec,
  params: initParams(spec, 1),
  supervision: "value",
  batchSize: side * side,
  adam: { ...DEFAULT_ADAM, lr: 1e-3 },
  ...overrides,
});

const isInstalled = (pkg: string) => {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
};

let listenersBefore = 0;
beforeAll(() => {
  listenersBefore = process.listeners("uncaughtException").length + process.listeners("unhandledRejection").length;
});

describe("tfjs backend selection", () => {
  it("uses the best available backend and says which", async () => {
    const backend = await initTfjsBackend("cpu", { env: {} });
    const expected = isInstalled("@tensorflow/tfjs-node") ? "tensorflow" : "wasm";
    expect(backend.name).toBe(expected);
    expect(tf.getBackend()).toBe(expected);
    expect(backend.description).toBe(`tfjs (${expected})`);
  });

  it("leaves no process-wide error handlers behind (the wasm glue installs some)", () => {
    const after = process.listeners("uncaughtException").length + process.listeners("unhandledRejection").length;
    expect(after).toBe(listenersBefore);
  });

  it("honours SIREN_TFJS_BACKEND and switches back afterwards", async () => {
    const cpu = await initTfjsBackend("cpu", { env: { [TFJS_BACKEND_ENV]: "cpu" } });
    expect(cpu.description).toBe("tfjs (cpu)");
    expect(tf.getBackend()).toBe("cpu");
    const wasm = await initTfjsBackend("cpu", { env: { [TFJS_BACKEND_ENV]: "wasm" } });
    expect(wasm.description).toBe("tfjs (wasm)");
    expect(tf.getBackend()).toBe("wasm");
  });

  it("rejects an unknown SIREN_TFJS_BACKEND and device with one-line user errors", async () => {
    await expect(initTfjsBackend("cpu", { env: { [TFJS_BACKEND_ENV]: "webgpu" } })).rejects.toThrow(
      /SIREN_TFJS_BACKEND: expected one of tensorflow, wasm, cpu, got "webgpu"/,
    );
    await expect(initTfjsBackend("tpu", { env: {} })).rejects.toThrow(UserError);
    await expect(initTfjsBackend("tpu", { env: {} })).rejects.toThrow(/--device: expected cpu or cuda, got "tpu"/);
    await expect(initTfjsBackend("cuda", { env: { [TFJS_BACKEND_ENV]: "wasm" } })).rejects.toThrow(
      /--device cuda cannot run on the tfjs wasm backend/,
    );
  });

  it("--device cuda needs tfjs-node-gpu and says how to get it", async () => {
    const result = initTfjsBackend("cuda", { env: {} });
    if (isInstalled("@tensorflow/tfjs-node-gpu")) {
      expect((await result).device).toBe("cuda");
    } else {
      const err = await result.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(/@tensorflow\/tfjs-node-gpu.*pnpm --filter @siren-onnx\/trainer add/);
      expect((err as Error).message).not.toContain("\n");
    }
  });
});

describe("tfjs engine", () => {
  const baseline = { tensors: 0 };
  beforeAll(async () => {
    await initTfjsBackend("cpu", { env: {} });
    baseline.tensors = tf.memory().numTensors;
  });
  afterAll(() => {
    expect(tf.memory().numTensors).toBe(baseline.tensors);
  });

  it("keeps the number of live tensors flat over many steps and frees everything on dispose", async () => {
    const engine = await createTfjsEngine(options());
    await engine.step(batch); // the first step creates Adam's moment variables
    const live = tf.memory().numTensors;
    for (let i = 0; i < 25; i++) await engine.step(batch, 1e-3 * (1 - i / 25));
    await engine.predict(coords);
    await engine.lossGradients(batch);
    await engine.setParams(await engine.params());
    expect(tf.memory().numTensors).toBe(live);
    await engine.dispose();
    expect(tf.memory().numTensors).toBe(baseline.tensors);
  });

  it("lowers the loss of a small fit", async () => {
    const engine = await createTfjsEngine(options());
    const first = await engine.step(batch);
    let last = first;
    for (let i = 0; i < 30; i++) last = await engine.step(batch);
    await engine.dispose();
    expect(last).toBeLessThan(0.5 * first);
  });

  it("uses the learning rate given to step()", async () => {
    const engine = await createTfjsEngine(options());
    const before = await engine.params();
    await engine.step(batch, 0);
    const same = await engine.params();
    await engine.step(batch, 1e-2);
    const moved = await engine.params();
    await engine.dispose();
    expect(same[1].weight).toEqual(before[1].weight);
    // An Adam step moves each weight with a non-zero gradient by about lr.
    const largest = Math.max(...moved[1].weight.map((w, i) => Math.abs(w - before[1].weight[i])));
    expect(largest).toBeGreaterThan(5e-3);
    expect(largest).toBeLessThan(2e-2);
  });

  it("predicts the float64 reference image, across tile boundaries", async () => {
    const rgb = createSpec("tanh", { width: 8, hiddenLayers: 1, outputs: 3 });
    const params = initParams(rgb, 4);
    const engine = await createTfjsEngine(options({ spec: rgb, params }));
    const points = regionGrid(100, 170); // 17,000 points: more than one predict tile
    const image = await engine.predict(points);
    await engine.dispose();
    const reference = forwardJet(float64Ops, rgb, paramsToMatrices(params), matrix(17_000, 2, points), 0).value;
    expect(image.length).toBe(reference.data.length);
    let worst = 0;
    for (let i = 0; i < image.length; i++) worst = Math.max(worst, Math.abs(image[i] - reference.data[i]));
    expect(worst).toBeLessThan(1e-5);
  });

  it("round-trips parameters bit for bit and rejects the wrong shapes", async () => {
    const engine = await createTfjsEngine(options());
    const other = initParams(spec, 99);
    await engine.setParams(other);
    expect(await engine.params()).toEqual(other);
    await expect(engine.setParams(other.slice(1))).rejects.toThrow(/do not match the spec/);
    await engine.dispose();
    await expect(
      createTfjsEngine(options({ params: initParams(createSpec("sine", { width: 8 }), 1) })),
    ).rejects.toThrow(/do not match the spec/);
  });

  it("names a missing or mis-sized target", async () => {
    const engine = await createTfjsEngine(options());
    await expect(engine.step({ coords, targets: {} })).rejects.toThrow(/target "value" is missing/);
    await expect(engine.lossGradients({ coords, targets: { value: new Float32Array(3) } })).rejects.toThrow(
      /target "value" has 3 values, expected 64 points x 1 channels/,
    );
    await engine.dispose();
  });
});
