import { type ModelParams, UserError } from "@siren-onnx/core";
import { graphToOnnx } from "@siren-onnx/exporter";
import * as ort from "onnxruntime-node";
import type { EngineOptions, StepBatch, TrainingEngine } from "./engine.ts";
import {
  ADAM_M,
  ADAM_V,
  buildGradientGraph,
  buildPredictGraph,
  buildTrainingStepGraph,
  GRAD,
  NEXT,
  parameterNames,
  STEP_SIZE,
  V_SCALE,
} from "./onnx-training-graph.ts";

/** Largest batch the predict graph runs at once: bounds memory (see MEASUREMENTS.md). */
const PREDICT_TILE = 65_536;

export function sessionOptions(
  device: string | undefined,
  threads: number | undefined,
): ort.InferenceSession.SessionOptions {
  const dev = device ?? "cpu";
  if (dev !== "cpu" && dev !== "cuda") throw new UserError(`--device: expected cpu or cuda, got "${dev}"`);
  if (dev === "cuda") {
    const cuda = ort.listSupportedBackends().find((b) => b.name === "cuda");
    if (!cuda?.bundled) {
      throw new UserError(
        "--device cuda: onnxruntime-node was installed without CUDA; reinstall it with ONNXRUNTIME_NODE_INSTALL=cuda12 on a machine with an NVIDIA GPU (see README, GPU)",
      );
    }
  }
  return {
    executionProviders: dev === "cuda" ? ["cuda", "cpu"] : ["cpu"],
    intraOpNumThreads: threads ?? 0,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    executionMode: "sequential",
  };
}

const tensor = (data: Float32Array, dims: readonly number[]) => new ort.Tensor("float32", data, dims);

/**
 * The default engine: each Adam step is one generated ONNX graph (forward, reverse-mode
 * gradients, update) run by onnxruntime-node. Parameters and moments stay as ORT tensors
 * between steps; each step's outputs become the next step's inputs.
 */
export async function createOnnxEngine(options: EngineOptions): Promise<TrainingEngine> {
  const { spec, supervision, batchSize, adam } = options;
  const sessionOpts = sessionOptions(options.device, options.threads);
  const names = parameterNames(spec);
  const shapes = options.params.flatMap((l) => [[l.out, l.in], [l.out]]);
  let state: Record<string, ort.Tensor> = {};
  const setParams = (params: ModelParams) => {
    params.forEach((l, i) => {
      state[`layers.${i}.weight`] = tensor(l.weight.slice(), [l.out, l.in]);
      state[`layers.${i}.bias`] = tensor(l.bias.slice(), [l.out]);
    });
  };
  setParams(options.params);
  names.forEach((n, k) => {
    const size = shapes[k].reduce((a, b) => a * b, 1);
    state[ADAM_M(n)] = tensor(new Float32Array(size), shapes[k]);
    state[ADAM_V(n)] = tensor(new Float32Array(size), shapes[k]);
  });

  const create = (bytes: Uint8Array) => ort.InferenceSession.create(bytes, sessionOpts);
  const stepSession = await create(graphToOnnx(buildTrainingStepGraph(spec, supervision, batchSize, adam)));
  let predictSession: ort.InferenceSession;
  try {
    predictSession = await create(graphToOnnx(buildPredictGraph(spec)));
  } catch (err) {
    await stepSession.release();
    throw err;
  }
  let gradientSession: ort.InferenceSession | undefined;
  let t = 0;

  const batchFeeds = (batch: StepBatch) => {
    const n = batch.coords.length / 2;
    if (n !== batchSize) throw new Error(`engine built for batches of ${batchSize} points, got ${n}`);
    const feeds: Record<string, ort.Tensor> = { coords: tensor(batch.coords, [n, 2]) };
    for (const [name, data] of Object.entries(batch.targets)) feeds[`target.${name}`] = tensor(data, [n, spec.outputs]);
    return feeds;
  };
  const paramFeeds = () => Object.fromEntries(names.map((n) => [n, state[n]]));
  const toParams = (get: (name: string) => Float32Array): ModelParams =>
    options.params.map((l, i) => ({
      out: l.out,
      in: l.in,
      weight: get(`layers.${i}.weight`).slice(),
      bias: get(`layers.${i}.bias`).slice(),
    }));

  return {
    description: `onnxruntime (${options.device ?? "cpu"}${sessionOpts.intraOpNumThreads ? `, ${sessionOpts.intraOpNumThreads} threads` : ""})`,
    async step(batch, lr = adam.lr) {
      t += 1;
      const feeds = {
        ...batchFeeds(batch),
        ...state,
        [STEP_SIZE]: tensor(Float32Array.of(lr / (1 - adam.beta1 ** t)), []),
        [V_SCALE]: tensor(Float32Array.of(1 / Math.sqrt(1 - adam.beta2 ** t)), []),
      };
      const out = await stepSession.run(feeds);
      const next: Record<string, ort.Tensor> = {};
      for (const key of Object.keys(state)) next[key] = out[NEXT(key)];
      state = next;
      return (out.loss.data as Float32Array)[0];
    },
    async predict(coords) {
      const n = coords.length / 2;
      const result = new Float32Array(n * spec.outputs);
      for (let start = 0; start < n; start += PREDICT_TILE) {
        const end = Math.min(n, start + PREDICT_TILE);
        const out = await predictSession.run({
          coords: tensor(coords.subarray(2 * start, 2 * end), [end - start, 2]),
          ...paramFeeds(),
        });
        result.set(out.image.data as Float32Array, start * spec.outputs);
      }
      return result;
    },
    async lossGradients(batch) {
      gradientSession ??= await create(graphToOnnx(buildGradientGraph(spec, supervision, batchSize)));
      const out = await gradientSession.run({ ...batchFeeds(batch), ...paramFeeds() });
      return {
        loss: (out.loss.data as Float32Array)[0],
        gradients: toParams((name) => out[GRAD(name)].data as Float32Array),
      };
    },
    async params() {
      return toParams((name) => state[name].data as Float32Array);
    },
    async setParams(params) {
      setParams(params);
    },
    async dispose() {
      await Promise.all([stepSession.release(), predictSession.release(), gradientSession?.release()]);
    },
  };
}
