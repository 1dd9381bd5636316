/// <reference lib="webworker" />
/**
 * The Train panel's worker: trains with the trainer's own code (@siren-onnx/trainer/browser:
 * the generated training-step graphs, the engine and the loop the CLI runs) on onnxruntime-web,
 * and exports with the exporter's. Weights and Adam state stay in the runtime between steps
 * (wasm: the output tensors are fed back; WebGPU: they stay in GPU buffers).
 */
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
  batchSizeFor,
  buildPredictGraph,
  buildSingleImageTask,
  createOnnxStepEngine,
  DEFAULT_ADAM,
  type OnnxRuntime,
  type RunSettings,
  runTrainLoop,
  type TrainingEngine,
  trainDefaults,
  trainingSummary,
} from "@siren-onnx/trainer/browser";
import type * as Ort from "onnxruntime-web";
import { decodeImage, ImageInputError, toRgba } from "./decode-image.ts";
import type { FromTrainWorker, Pixels, ToTrainWorker, TrainBackend, TrainedFiles } from "./train-protocol.ts";

type OrtModule = typeof Ort;
type StartMessage = Extract<ToTrainWorker, { type: "start" }>;
type GpuAdapter = {
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
};
type GpuNavigator = { gpu?: { requestAdapter(): Promise<GpuAdapter | null> } };
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|software/i;

const scope = self as unknown as DedicatedWorkerGlobalScope;
let paused = false;
let resumeWaiters: Array<() => void> = [];
const stop = new AbortController();
let started = false;

function post(message: FromTrainWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

/** Yields to the message queue (pause, stop) and waits while paused. */
async function gate(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  while (paused && !stop.signal.aborted) await new Promise<void>((resolve) => resumeWaiters.push(resolve));
}

function wake(): void {
  const waiters = resumeWaiters;
  resumeWaiters = [];
  for (const w of waiters) w();
}

async function loadRuntime(backend: TrainBackend, wasmPaths: string): Promise<{ ort: OrtModule; webgpu: boolean }> {
  const gpu = (navigator as unknown as GpuNavigator).gpu;
  const adapter = backend === "wasm" || !gpu ? null : await gpu.requestAdapter().catch(() => null);
  if (backend === "webgpu" && !adapter) throw new Error("this browser offers no WebGPU adapter; choose wasm");
  const info = adapter?.info ?? {};
  const software =
    Boolean(info.isFallbackAdapter ?? adapter?.isFallbackAdapter) ||
    SOFTWARE_ADAPTER.test(`${info.vendor ?? ""} ${info.architecture ?? ""} ${info.description ?? ""}`);
  // "auto" never picks a software adapter (SwiftShader): wasm is faster than it.
  const webgpu = adapter !== null && (backend === "webgpu" || !software);
  const ort = webgpu ? await import("onnxruntime-web/webgpu") : await import("onnxruntime-web/wasm");
  ort.env.wasm.wasmPaths = wasmPaths;
  // Threads need cross-origin isolation (COOP/COEP headers, which `siren serve` sends).
  ort.env.wasm.numThreads = scope.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  ort.env.logLevel = "error";
  return { ort, webgpu };
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs calls into onnxruntime-web one at a time. The models train side by side, but WebGPU
 * refuses two session creations at once, and overlapping runs and downloads stall it.
 */
function serial<T>(call: () => Promise<T>): Promise<T> {
  const result = queue.then(call);
  queue = result.catch(() => undefined);
  return result;
}

/** A session whose runs go through `serial`. */
async function createSession(ort: OrtModule, bytes: Uint8Array, webgpu: boolean, deviceOutputs: string[] = []) {
  const session = await serial(() =>
    ort.InferenceSession.create(bytes, {
      executionProviders: [webgpu ? "webgpu" : "wasm"],
      graphOptimizationLevel: "all",
      ...(deviceOutputs.length > 0
        ? { preferredOutputLocation: Object.fromEntries(deviceOutputs.map((n) => [n, "gpu-buffer" as const])) }
        : {}),
    }),
  );
  return {
    run: (feeds: Record<string, Ort.Tensor>) => serial(() => session.run(feeds)),
    release: () => serial(() => session.release()),
  };
}

function runtimeFor(ort: OrtModule, webgpu: boolean): OnnxRuntime {
  const threads = ort.env.wasm.numThreads ?? 1;
  return {
    tensor: (data, dims) => new ort.Tensor("float32", data, dims),
    createSession: (bytes, deviceOutputs) => createSession(ort, bytes, webgpu, deviceOutputs),
    download: (t) => serial(async () => (await (t as Ort.Tensor).getData()) as Float32Array),
    webgpu,
    // onnxruntime-web's wasm Sin is a scalar loop: the polynomial is faster there (exporter's TrigMode).
    polynomialTrig: true,
    description: `onnxruntime-web (${webgpu ? "webgpu" : `wasm, ${threads} thread${threads === 1 ? "" : "s"}`})`,
  };
}

/** |∇| of the model at every pixel, scaled by its largest value, as gray RGBA. */
function gradientRgba(dx: Float32Array, dy: Float32Array, channels: number, count: number): Uint8ClampedArray {
  const mag = new Float32Array(count);
  let max = 1e-12;
  for (let p = 0; p < count; p++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += dx[p * channels + c] ** 2 + dy[p * channels + c] ** 2;
    mag[p] = Math.sqrt(s / channels);
    max = Math.max(max, mag[p]);
  }
  const out = new Uint8ClampedArray(count * 4);
  for (let p = 0; p < count; p++) {
    const v = Math.sqrt(mag[p] / max) * 255;
    out[4 * p] = out[4 * p + 1] = out[4 * p + 2] = v;
    out[4 * p + 3] = 255;
  }
  return out;
}

async function sha256(bytes: ArrayBuffer | undefined): Promise<string> {
  if (!bytes) return "";
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
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

async function train(message: StartMessage): Promise<void> {
  const { settings, models } = message;
  let pixels: Pixels;
  let fileBytes: ArrayBuffer | undefined;
  if (message.image.kind === "file") {
    fileBytes = message.image.bytes;
    const decoded = await decodeImage(message.image.name, fileBytes, settings.size);
    pixels = decoded.pixels;
    const count = pixels.width * pixels.height;
    post({
      type: "image",
      width: pixels.width,
      height: pixels.height,
      rgba: toRgba(pixels.data, pixels.channels, count),
      notice: decoded.notice,
    });
  } else {
    pixels = message.image.pixels;
    const count = pixels.width * pixels.height;
    post({
      type: "image",
      width: pixels.width,
      height: pixels.height,
      rgba: toRgba(pixels.data, pixels.channels, count),
    });
  }
  const { ort, webgpu } = await loadRuntime(message.backend, message.wasmPaths);
  const runtime = runtimeFor(ort, webgpu);
  post({
    type: "started",
    backend: webgpu ? "webgpu" : "wasm",
    threads: ort.env.wasm.numThreads ?? 1,
    description: runtime.description,
  });
  const defaults = trainDefaults(settings.task);
  const task = buildSingleImageTask(settings.task, pixels, { seed: settings.seed, points: settings.points });
  const lr = settings.lr ?? defaults.lr;
  const batchSize = batchSizeFor(task, settings.batch);
  const imageSha256 = await sha256(fileBytes);
  const count = pixels.width * pixels.height;
  const grid = regionGrid(pixels.width, pixels.height);
  const evalEvery = settings.evalEvery ?? Math.max(1, Math.round(settings.steps / 60));

  // The models train side by side: their loops interleave step by step at the gate.
  await Promise.all(
    models.map(async (kind: ModelKind, index) => {
      let engine: TrainingEngine | undefined;
      let gradientSession: Awaited<ReturnType<typeof createSession>> | undefined;
      try {
        const spec = createSpec(kind, {
          width: settings.width,
          hiddenLayers: settings.hiddenLayers,
          outputs: pixels.channels,
          peFrequencies: nyquistOctaves(Math.min(pixels.width, pixels.height)),
        });
        const params = initParams(spec, settings.seed);
        engine = await createOnnxStepEngine(
          { spec, params, supervision: task.supervision, batchSize, adam: { ...DEFAULT_ADAM, lr } },
          runtime,
        );
        const gradientGraph = buildPredictGraph(spec, true);
        gradientSession = await createSession(ort, graphToOnnx(lowerTrig(gradientGraph)), webgpu);
        const trained = engine;
        const derivative = gradientSession;
        let lastStepAt = performance.now();
        let picture: Promise<void> = Promise.resolve();
        const result = await runTrainLoop(trained, {
          task,
          spec,
          params,
          steps: settings.steps,
          lr,
          schedule: defaults.schedule,
          batch: settings.batch,
          seed: settings.seed,
          evalEvery,
          signal: stop.signal,
          // A picture reads the weights: on WebGPU the next step must not free them meanwhile.
          beforeStep: async () => {
            await picture;
            await gate();
          },
          onStep: (info) => {
            const now = performance.now();
            post({
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
              const feeds: Record<string, Ort.Tensor> = { coords: new ort.Tensor("float32", grid, [count, 2]) };
              weights.forEach((l, i) => {
                feeds[`layers.${i}.weight`] = new ort.Tensor("float32", l.weight, [l.out, l.in]);
                feeds[`layers.${i}.bias`] = new ort.Tensor("float32", l.bias, [l.out]);
              });
              const out = await derivative.run(feeds);
              const gradient = gradientRgba(
                out.dx.data as Float32Array,
                out.dy.data as Float32Array,
                pixels.channels,
                count,
              );
              const image = toRgba(prediction, pixels.channels, count);
              post({ type: "picture", model: index, step, psnr: metrics.psnr, image, gradient }, [
                image.buffer,
                gradient.buffer,
              ]);
            })().catch(() => undefined);
          },
        });
        await picture;
        const name = `${modelLabel(kind)}-${settings.task === "fit" ? "" : `${settings.task}-`}${message.image.name.replace(/\.[^.]*$/, "").replace(/[^A-Za-z0-9_-]+/g, "_")}`;
        const runSettings: RunSettings = {
          image: message.image.name,
          imageSha256,
          size: settings.size,
          gray: pixels.channels === 1,
          task: settings.task,
          points: settings.points,
          steps: settings.steps,
          lr,
          schedule: defaults.schedule,
          batch: settings.batch,
          seed: settings.seed,
          engine: "onnxruntime",
          evalEvery,
        };
        const summary = trainingSummary({ spec, task, result, settings: runSettings, source: message.image.name });
        const files = exportFiles(name, { spec, params: result.params, training: summary });
        const strip = (p: typeof result.params) => p.map((l) => ({ weight: l.weight, bias: l.bias }));
        post({
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
        post({ type: "error", model: index, message: describeError(err) });
      } finally {
        await engine?.dispose().catch(() => undefined);
        await gradientSession?.release().catch(() => undefined);
      }
    }),
  );
}

/** One line for the page; running out of memory named as such. */
function describeError(err: unknown): string {
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

scope.onmessage = (event: MessageEvent<ToTrainWorker>) => {
  const m = event.data;
  if (m.type === "pause") paused = true;
  else if (m.type === "resume") {
    paused = false;
    wake();
  } else if (m.type === "stop") {
    stop.abort();
    paused = false;
    wake();
  } else if (m.type === "start") {
    // One run per worker: the panel starts a fresh worker for each run (a clean slate after an error).
    if (started) return post({ type: "error", message: "this worker has already run; start a new one" });
    started = true;
    train(m)
      .catch((err) =>
        post({ type: "error", message: err instanceof ImageInputError ? err.message : describeError(err) }),
      )
      .finally(() => post({ type: "finished" }));
  }
};
