/**
 * Training and rendering on WebGPU, on Chromium's SwiftShader (a software Vulkan driver, so it
 * runs without a GPU), against the CPU: a few Adam steps of every supervision, the weights and
 * Adam moments read back from GPU memory, and renders of an exported model. Shader compilation
 * is the slow part (seconds, once per process: a session kept open holds the compiled pipelines).
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Checkpoint,
  createSpec,
  initParams,
  type ModelParams,
  regionGrid,
  SeededRandom,
  type Supervision,
  TARGET_NAMES,
} from "@siren-onnx/core";
import { exportModelBytes } from "@siren-onnx/exporter";
import { Graph, graphToOnnx } from "@siren-onnx/onnx-graph";
import { RenderModel, renderValues } from "@siren-onnx/renderer";
import { createSession, type Device, resolveDevice } from "@siren-onnx/sessions";
import { createOnnxEngine, DEFAULT_ADAM, type EngineOptions, type TrainingEngine } from "@siren-onnx/trainer";
import type * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { softwareVulkanEnv, webgpuSkipReason } from "./support/vulkan.ts";

const skip = webgpuSkipReason();
if (skip) console.warn(`WebGPU tests skipped: ${skip}`);

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const largest = (p: ModelParams) => Math.max(...p.flatMap((l) => [...l.weight, ...l.bias].map(Math.abs)));
const paramsDiff = (a: ModelParams, b: ModelParams) =>
  Math.max(...a.map((l, i) => Math.max(maxAbs(l.weight, b[i].weight), maxAbs(l.bias, b[i].bias))));

describe.skipIf(skip)(`WebGPU on SwiftShader against the CPU${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let device: Device;
  let keepAlive: ort.InferenceSession;

  beforeAll(async () => {
    Object.assign(process.env, softwareVulkanEnv());
    device = await resolveDevice("webgpu");
    // Compiled pipelines live as long as the WebGPU context, which lives as long as a session.
    const g = new Graph("keep-alive");
    g.output(g.node("Abs", [g.input("x", [1])], [1]), "y");
    keepAlive = await createSession(graphToOnnx(g.prune()), device);
  });
  afterAll(async () => {
    await keepAlive?.release();
  });

  it("finds the SwiftShader adapter and calls it software", () => {
    expect(device.kind).toBe("webgpu");
    expect(device.adapter?.name).toMatch(/SwiftShader/);
    expect(device.adapter?.software).toBe(true);
    expect(device.description).toMatch(/software/);
  });

  const SIDE = 8;
  function setup(
    supervision: Supervision,
  ): EngineOptions & { batch: { coords: Float32Array; targets: Record<string, Float32Array> } } {
    const spec = createSpec("sine", { width: 16, hiddenLayers: 1, outputs: 1 });
    const rng = new SeededRandom(5);
    const targets: Record<string, Float32Array> = {};
    for (const name of TARGET_NAMES[supervision]) {
      targets[name] = Float32Array.from({ length: SIDE * SIDE }, () => rng.uniform(-1, 1));
    }
    return {
      spec,
      params: initParams(spec, 3),
      supervision,
      batchSize: SIDE * SIDE,
      adam: { ...DEFAULT_ADAM, lr: 1e-3 },
      batch: { coords: regionGrid(SIDE, SIDE), targets },
    };
  }

  async function train(engine: TrainingEngine, batch: { coords: Float32Array; targets: Record<string, Float32Array> }) {
    const losses: number[] = [];
    for (let s = 0; s < 3; s++) losses.push(await engine.step(batch));
    return {
      losses,
      params: await engine.params(),
      adam: await engine.optimizerState(),
      prediction: await engine.predict(regionGrid(5, 3)),
    };
  }

  for (const supervision of ["value", "gradient", "laplacian"] as const) {
    it(`trains like the CPU: three Adam steps with ${supervision} supervision`, async () => {
      const { batch, ...options } = setup(supervision);
      const cpu = await createOnnxEngine({ ...options, device: "cpu" });
      const gpu = await createOnnxEngine({ ...options, device: "webgpu" });
      try {
        expect(gpu.description).toMatch(/webgpu: SwiftShader/);
        const [a, b] = [await train(cpu, batch), await train(gpu, batch)];
        // float32 sums in another order and lowerTrig (~3e-7) instead of the CPU's Sin: ~1e-7 measured.
        for (let s = 0; s < 3; s++) expect(Math.abs(b.losses[s] - a.losses[s]) / a.losses[s]).toBeLessThan(1e-5);
        expect(paramsDiff(b.params, a.params)).toBeLessThan(1e-5);
        expect(b.adam.step).toBe(3);
        // The moments have the scale of the gradients (large for the Laplacian loss): compared relatively.
        expect(paramsDiff(b.adam.m, a.adam.m) / largest(a.adam.m)).toBeLessThan(1e-5);
        expect(paramsDiff(b.adam.v, a.adam.v) / largest(a.adam.v)).toBeLessThan(1e-5);
        expect(maxAbs(b.prediction, a.prediction)).toBeLessThan(1e-5);
        // The steps moved the weights (the comparison above is not of two initial states).
        expect(paramsDiff(b.params, options.params)).toBeGreaterThan(1e-4);
      } finally {
        await Promise.all([cpu.dispose(), gpu.dispose()]);
      }
    });
  }

  it("replaces GPU-resident weights and moments with setParams and setOptimizerState", async () => {
    const { batch, ...options } = setup("value");
    const gpu = await createOnnxEngine({ ...options, device: "webgpu" });
    try {
      await gpu.step(batch); // the state now lives in GPU buffers
      const saved = await gpu.optimizerState();
      await gpu.setParams(options.params);
      expect(paramsDiff(await gpu.params(), options.params)).toBe(0);
      await gpu.step(batch);
      await gpu.setOptimizerState(saved);
      const back = await gpu.optimizerState();
      expect(back.step).toBe(1);
      expect(paramsDiff(back.m, saved.m)).toBe(0);
      expect(paramsDiff(back.v, saved.v)).toBe(0);
    } finally {
      await gpu.dispose();
    }
  });

  it("renders an exported model like the CPU (image and Laplacian)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "siren-webgpu-"));
    try {
      const spec = createSpec("sine", { width: 16, hiddenLayers: 2, outputs: 1 });
      const ckpt: Checkpoint = {
        spec,
        params: initParams(spec, 1),
        training: {
          task: "fit",
          steps: 1,
          lr: 1e-3,
          batch: "full",
          seed: 1,
          loss: 0,
          psnr: 0,
          imageWidth: 12,
          imageHeight: 10,
          channels: 1,
          engine: "test",
          seconds: 0,
        },
      };
      await writeFile(join(dir, "m.onnx"), exportModelBytes(ckpt, { derivatives: false }));
      await writeFile(join(dir, "m.deriv.onnx"), exportModelBytes(ckpt, { derivatives: true }));
      const cpu = await RenderModel.load(join(dir, "m.onnx"));
      const gpu = await RenderModel.load(join(dir, "m.onnx"), { device });
      try {
        expect(gpu.device.kind).toBe("webgpu");
        // The export has native Sin/Cos nodes: the WebGPU session gets them lowered (withPolynomialTrig;
        // WebGPU's own sin is off by 1.4e-4 here). Beyond the training domain too.
        const region = { x0: -3, y0: -2, x1: 3, y1: 2 };
        for (const output of ["image", "laplacian"] as const) {
          const request = { width: 12, height: 10, region, output };
          const [a, b] = [await renderValues(cpu, request), await renderValues(gpu, request)];
          const scale = Math.max(...a.map(Math.abs));
          expect(scale).toBeGreaterThan(0);
          expect(maxAbs(b, a) / scale).toBeLessThan(1e-5);
        }
      } finally {
        await Promise.all([cpu.dispose(), gpu.dispose()]);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
