import {
  createSpec,
  encodeCheckpoint,
  initParams,
  type ModelKind,
  modelLabel,
  nyquistOctaves,
  regionGrid,
} from "@siren-onnx/core";
import { exportModelBytes } from "@siren-onnx/exporter/graph";
import { graphToOnnx, lowerTrig, webgpuCompatibleModel, withPolynomialTrig } from "@siren-onnx/onnx-graph";
import {
  buildPredictGraph,
  createOnnxStepEngine,
  DEFAULT_ADAM,
  type OnnxRuntime,
  type RunSettings,
  runTrainLoop,
  type Schedule,
  type Task,
  type TrainingEngine,
  trainingSummary,
} from "@siren-onnx/trainer/browser";
import type * as Ort from "onnxruntime-web";
import { gradientRgba, toRgba } from "./train-pictures.ts";
import type { FromTrainWorker, Pixels, TrainedFiles, TrainSettings } from "./train-protocol.ts";
import { createSession, type OrtModule } from "./web-runtime.ts";

/** What every model of a run shares. */
export interface ModelRunContext {
  ort: OrtModule;
  runtime: OnnxRuntime;
  task: Task;
  pixels: Pixels;
  settings: TrainSettings;
  /** The run's lr for a model kind: the one given, else the kind's default for the task. */
  lrFor: (kind: ModelKind) => number;
  schedule: Schedule;
  batchSize: number;
  evalEvery: number;
  imageName: string;
  imageSha256: string;
  signal: AbortSignal;
  /** Awaited before each step: pause and stop. */
  gate: () => Promise<void>;
  post: (message: FromTrainWorker, transfer?: Transferable[]) => void;
}

function exportFiles(name: string, checkpoint: Parameters<typeof exportModelBytes>[0]): TrainedFiles {
  const image = exportModelBytes(checkpoint, { derivatives: false });
  const derivatives = exportModelBytes(checkpoint, { derivatives: true });
  const polynomial = { image: withPolynomialTrig(image), derivatives: withPolynomialTrig(derivatives) };
  return {
    name,
    checkpoint: encodeCheckpoint(checkpoint),
    image,
    derivatives,
    variants: {
      polynomial,
      webgpu: {
        image: webgpuCompatibleModel(polynomial.image),
        derivatives: webgpuCompatibleModel(polynomial.derivatives),
      },
    },
  };
}

/** One line for the page; running out of memory named as such. */
export function describeError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split("\n")[0];
  if (
    err instanceof RangeError ||
    /out of memory|\bOOM\b|failed to allocate|allocation failed|could not allocate|Array buffer allocation/i.test(text)
  ) {
    return `out of memory in the train worker (${line}); try a smaller size, width or batch`;
  }
  return line;
}

/**
 * Trains one model with the trainer's engine and loop, posting its steps and pictures, then
 * exports it (checkpoint and ONNX files, as `siren train` and `siren export` write them) and
 * posts "done"; a failure posts "error" for this model only.
 */
export async function trainModel(kind: ModelKind, index: number, c: ModelRunContext): Promise<void> {
  const count = c.pixels.width * c.pixels.height;
  const grid = regionGrid(c.pixels.width, c.pixels.height);
  let engine: TrainingEngine | undefined;
  let gradientSession: Awaited<ReturnType<typeof createSession>> | undefined;
  try {
    const spec = createSpec(kind, {
      width: c.settings.width,
      hiddenLayers: c.settings.hiddenLayers,
      outputs: c.pixels.channels,
      peFrequencies: nyquistOctaves(Math.min(c.pixels.width, c.pixels.height)),
    });
    const params = initParams(spec, c.settings.seed);
    const lr = c.lrFor(kind);
    engine = await createOnnxStepEngine(
      { spec, params, supervision: c.task.supervision, batchSize: c.batchSize, adam: { ...DEFAULT_ADAM, lr } },
      c.runtime,
    );
    const gradientGraph = buildPredictGraph(spec, true);
    gradientSession = await createSession(c.ort, graphToOnnx(lowerTrig(gradientGraph)), c.runtime.webgpu);
    const trained = engine;
    const derivative = gradientSession;
    let lastStepAt = performance.now();
    let picture: Promise<void> = Promise.resolve();
    const result = await runTrainLoop(trained, {
      task: c.task,
      spec,
      params,
      steps: c.settings.steps,
      lr,
      schedule: c.schedule,
      batch: c.settings.batch,
      seed: c.settings.seed,
      evalEvery: c.evalEvery,
      signal: c.signal,
      // A picture reads the weights: on WebGPU the next step must not free them meanwhile.
      beforeStep: async () => {
        await picture;
        await c.gate();
      },
      onStep: (info) => {
        const now = performance.now();
        c.post({
          type: "step",
          model: index,
          step: info.step,
          steps: info.steps,
          loss: info.loss,
          msPerStep: now - lastStepAt,
        });
        lastStepAt = now;
      },
      onEvaluate: (step, prediction, metrics) => {
        // The gradient picture is made before the next step (beforeStep waits for it) and the run's end.
        picture = (async () => {
          const weights = await trained.params();
          const feeds: Record<string, Ort.Tensor> = { coords: new c.ort.Tensor("float32", grid, [count, 2]) };
          weights.forEach((l, i) => {
            feeds[`layers.${i}.weight`] = new c.ort.Tensor("float32", l.weight, [l.out, l.in]);
            feeds[`layers.${i}.bias`] = new c.ort.Tensor("float32", l.bias, [l.out]);
          });
          const out = await derivative.run(feeds);
          const gradient = gradientRgba(
            out.dx.data as Float32Array,
            out.dy.data as Float32Array,
            c.pixels.channels,
            count,
          );
          const image = toRgba(prediction, c.pixels.channels, count);
          c.post({ type: "picture", model: index, step, psnr: metrics.psnr, image, gradient }, [
            image.buffer,
            gradient.buffer,
          ]);
        })().catch(() => undefined);
      },
    });
    await picture;
    const name = `${modelLabel(kind)}-${c.settings.task === "fit" ? "" : `${c.settings.task}-`}${c.imageName.replace(/\.[^.]*$/, "").replace(/[^A-Za-z0-9_-]+/g, "_")}`;
    const runSettings: RunSettings = {
      image: c.imageName,
      imageSha256: c.imageSha256,
      size: c.settings.size,
      gray: c.pixels.channels === 1,
      task: c.settings.task,
      points: c.settings.points,
      steps: c.settings.steps,
      lr,
      schedule: c.schedule,
      batch: c.settings.batch,
      seed: c.settings.seed,
      engine: "onnxruntime",
      evalEvery: c.evalEvery,
    };
    const summary = trainingSummary({ spec, task: c.task, result, settings: runSettings, source: c.imageName });
    const files = exportFiles(name, { spec, params: result.params, training: summary });
    const strip = (p: typeof result.params) => p.map((l) => ({ weight: l.weight, bias: l.bias }));
    c.post({
      type: "done",
      model: index,
      stopped: result.stopped,
      psnr: result.metrics.psnr,
      bestStep: result.bestStep,
      stepsDone: result.stepsDone,
      seconds: result.seconds,
      msPerStep: result.msPerStep,
      files,
      params: strip(result.params),
      lastParams: strip(result.lastParams),
    });
  } catch (err) {
    c.post({ type: "error", model: index, message: describeError(err) });
  } finally {
    await engine?.dispose().catch(() => undefined);
    await gradientSession?.release().catch(() => undefined);
  }
}
