/// <reference lib="webworker" />
/**
 * The Train panel's worker: trains with the trainer's own code (@siren-onnx/trainer/browser:
 * the generated training-step graphs, the engine and the loop the CLI runs) on onnxruntime-web,
 * and exports with the exporter's. Weights and Adam state stay in the runtime between steps
 * (wasm: the output tensors are fed back; WebGPU: they stay in GPU buffers). This module reads
 * the image and routes messages; train-model.ts runs each model, web-runtime.ts is onnxruntime-web.
 */
import { batchSizeFor, buildSingleImageTask, trainDefaults } from "@siren-onnx/trainer/browser";
import { decodeImage, ImageInputError } from "./decode-image.ts";
import { describeError, type ModelRunContext, trainModel } from "./train-model.ts";
import { toRgba } from "./train-pictures.ts";
import type { FromTrainWorker, Pixels, ToTrainWorker } from "./train-protocol.ts";
import { loadRuntime, runtimeFor } from "./web-runtime.ts";

type StartMessage = Extract<ToTrainWorker, { type: "start" }>;
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

async function sha256(bytes: ArrayBuffer | undefined): Promise<string> {
  if (!bytes) return "";
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function train(message: StartMessage): Promise<void> {
  const { settings, models } = message;
  let pixels: Pixels;
  let notice: string | undefined;
  let fileBytes: ArrayBuffer | undefined;
  if (message.image.kind === "file") {
    fileBytes = message.image.bytes;
    ({ pixels, notice } = await decodeImage(message.image.name, fileBytes, settings.size));
  } else {
    pixels = message.image.pixels;
  }
  const count = pixels.width * pixels.height;
  post({
    type: "image",
    width: pixels.width,
    height: pixels.height,
    rgba: toRgba(pixels.data, pixels.channels, count),
    ...(notice === undefined ? {} : { notice }),
  });
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
  const batchSize = batchSizeFor(task, settings.batch);
  const evalEvery = settings.evalEvery ?? Math.max(1, Math.round(settings.steps / 60));

  const context: ModelRunContext = {
    ort,
    runtime,
    task,
    pixels,
    settings,
    lrFor: (kind) => settings.lr ?? trainDefaults(settings.task, kind).lr,
    schedule: defaults.schedule,
    batchSize,
    evalEvery,
    imageName: message.image.name,
    imageSha256: await sha256(fileBytes),
    signal: stop.signal,
    gate,
    post,
  };
  // The models train side by side: their loops interleave step by step at the gate.
  await Promise.all(models.map((kind, index) => trainModel(kind, index, context)));
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
