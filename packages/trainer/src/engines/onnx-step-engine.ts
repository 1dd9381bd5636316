import type { ModelParams } from "@siren-onnx/core";
import { Graph, graphToOnnx, lowerTrig } from "@siren-onnx/onnx-graph";
import { createDataParallelSessions } from "./data-parallel.ts";
import type { EngineOptions, StepBatch, TrainingEngine } from "./engine.ts";
import type { OnnxRuntime, RuntimeSession, RuntimeTensor } from "./onnx-runtime.ts";
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

/** GPU buffers are freed when disposed, not when collected: the moment matters on a GPU. */
const release = (t: RuntimeTensor | undefined) => {
  if (t?.location === "gpu-buffer") t.dispose();
};

const COPY = (name: string) => `copy.${name}`;

/** Copies tensors to graph outputs: how a GPU-resident tensor is read back (Node cannot download one). */
function buildCopyGraph(names: string[], shapes: number[][]): Graph {
  const graph = new Graph("siren-read-state");
  names.forEach((n, k) => {
    graph.output(graph.input(n, shapes[k]), COPY(n));
  });
  return graph;
}

/**
 * Each Adam step is one generated ONNX graph (forward, reverse-mode gradients, update).
 * Parameters and moments stay as runtime tensors between steps; each step's outputs become the
 * next step's inputs. On WebGPU they stay in GPU memory (outputs with location "gpu-buffer"):
 * a step uploads only the batch and downloads only the loss; reading the weights goes through a
 * copy session.
 */
export async function createOnnxStepEngine(options: EngineOptions, runtime: OnnxRuntime): Promise<TrainingEngine> {
  const { spec, supervision, batchSize, adam } = options;
  const onGpu = runtime.webgpu;
  const tensor = (data: Float32Array, dims: readonly number[]) => runtime.tensor(data, dims);
  // WebGPU's native sin is only about 2e-4 accurate: its graphs compute sin and cos with lowerTrig.
  const serialise = (graph: Graph) => graphToOnnx(onGpu || runtime.polynomialTrig ? lowerTrig(graph) : graph);
  const names = parameterNames(spec);
  const shapes = options.params.flatMap((l) => [[l.out, l.in], [l.out]]);
  const stateNames = names.flatMap((n) => [n, ADAM_M(n), ADAM_V(n)]);
  const stateShapes = shapes.flatMap((s) => [s, s, s]);
  let state: Record<string, RuntimeTensor> = {};
  /** The last download of `state` (runtimes with `download`). */
  let downloaded: { state: Record<string, RuntimeTensor>; values: Promise<Float32Array[]> } | undefined;
  const put = (name: string, data: Float32Array, dims: readonly number[]) => {
    downloaded = undefined;
    release(state[name]);
    state[name] = tensor(data, dims);
  };
  const setParams = (params: ModelParams) => {
    params.forEach((l, i) => {
      put(`layers.${i}.weight`, l.weight.slice(), [l.out, l.in]);
      put(`layers.${i}.bias`, l.bias.slice(), [l.out]);
    });
  };
  setParams(options.params);
  names.forEach((n, k) => {
    const size = shapes[k].reduce((a, b) => a * b, 1);
    state[ADAM_M(n)] = tensor(new Float32Array(size), shapes[k]);
    state[ADAM_V(n)] = tensor(new Float32Array(size), shapes[k]);
  });

  const create = (bytes: Uint8Array, deviceOutputs: string[] = []) =>
    runtime.createSession(bytes, onGpu ? deviceOutputs : []);
  const parallel =
    runtime.workers && !onGpu
      ? await createDataParallelSessions(
          spec,
          supervision,
          batchSize,
          adam,
          runtime,
          Array.from({ length: runtime.workers.count }, () => runtime.workers!.start()),
          serialise,
        )
      : undefined;
  const stepSession =
    parallel?.step ??
    (await create(serialise(buildTrainingStepGraph(spec, supervision, batchSize, adam)), stateNames.map(NEXT)));
  let predictSession: RuntimeSession;
  try {
    predictSession = parallel?.predict ?? (await create(serialise(buildPredictGraph(spec))));
  } catch (err) {
    await stepSession.release();
    throw err;
  }
  let gradientSession: RuntimeSession | undefined;
  let readSession: RuntimeSession | undefined;
  let t = 0;

  const batchFeeds = (batch: StepBatch) => {
    const n = batch.coords.length / 2;
    if (n !== batchSize) throw new Error(`engine built for batches of ${batchSize} points, got ${n}`);
    const feeds: Record<string, RuntimeTensor> = { coords: tensor(batch.coords, [n, 2]) };
    for (const [name, data] of Object.entries(batch.targets)) feeds[`target.${name}`] = tensor(data, [n, spec.outputs]);
    return feeds;
  };
  const paramFeeds = () => Object.fromEntries(names.map((n) => [n, state[n]]));
  /** The state tensors' values on the CPU (copies where they live on the GPU). */
  const readState = async (): Promise<(name: string) => Float32Array> => {
    if (!stateNames.some((n) => state[n].location === "gpu-buffer")) return (name) => state[name].data as Float32Array;
    const { download } = runtime;
    if (download) {
      // One download per state: concurrent readers (params and optimizerState) share it.
      if (downloaded?.state !== state) {
        const current = state;
        downloaded = { state, values: Promise.all(stateNames.map((n) => download(current[n]))) };
      }
      const values = await downloaded.values;
      return (name) => values[stateNames.indexOf(name)];
    }
    readSession ??= await create(graphToOnnx(buildCopyGraph(stateNames, stateShapes)));
    const out = await readSession.run(state);
    return (name) => out[COPY(name)].data as Float32Array;
  };
  const toParams = (get: (name: string) => Float32Array): ModelParams =>
    options.params.map((l, i) => ({
      out: l.out,
      in: l.in,
      weight: get(`layers.${i}.weight`).slice(),
      bias: get(`layers.${i}.bias`).slice(),
    }));

  return {
    description: runtime.description,
    async step(batch, lr = adam.lr) {
      t += 1;
      const feeds = {
        ...batchFeeds(batch),
        ...state,
        [STEP_SIZE]: tensor(Float32Array.of(lr / (1 - adam.beta1 ** t)), []),
        [V_SCALE]: tensor(Float32Array.of(1 / Math.sqrt(1 - adam.beta2 ** t)), []),
      };
      const out = await stepSession.run(feeds);
      const previous = state;
      state = Object.fromEntries(stateNames.map((key) => [key, out[NEXT(key)]]));
      for (const key of stateNames) release(previous[key]);
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
      gradientSession ??= await create(serialise(buildGradientGraph(spec, supervision, batchSize)));
      const out = await gradientSession.run({ ...batchFeeds(batch), ...paramFeeds() });
      return {
        loss: (out.loss.data as Float32Array)[0],
        gradients: toParams((name) => out[GRAD(name)].data as Float32Array),
      };
    },
    async params() {
      return toParams(await readState());
    },
    async setParams(params) {
      setParams(params);
    },
    async optimizerState() {
      const get = await readState();
      return {
        step: t,
        m: toParams((name) => get(ADAM_M(name))),
        v: toParams((name) => get(ADAM_V(name))),
      };
    },
    async setOptimizerState(saved) {
      t = saved.step;
      names.forEach((n, k) => {
        const [i, key] = [k >> 1, k % 2 === 0 ? "weight" : "bias"] as const;
        put(ADAM_M(n), saved.m[i][key].slice(), shapes[k]);
        put(ADAM_V(n), saved.v[i][key].slice(), shapes[k]);
      });
    },
    async dispose() {
      for (const key of stateNames) release(state[key]);
      try {
        await Promise.all([
          stepSession.release(),
          predictSession.release(),
          gradientSession?.release(),
          readSession?.release(),
        ]);
      } finally {
        // The worker threads go whatever happened to the sessions (a second dispose throws there).
        await parallel?.release();
      }
    },
  };
}
