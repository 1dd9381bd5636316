/// <reference lib="webworker" />
/**
 * The viewer's inference worker, the only code that imports onnxruntime-web: keeps the UI
 * responsive while models run. One tile at a time, then back to the message queue, so a
 * cancel or a newer view is seen within one tile (tiles are sized to ~30 ms from the measured
 * speed). The newest view job replaces the previous one at once; saves run behind it.
 */
import { regionGridRows } from "@siren-onnx/core";
import type * as Ort from "onnxruntime-web";
import { tileRowsFor } from "./render-plan.ts";
import type { AdapterInfo, FromWorker, SourceName, Sources, ToWorker, WorkerBackend } from "./worker-protocol.ts";

type OrtModule = typeof Ort;
type RenderMessage = Extract<ToWorker, { type: "render" }>;
type EvaluateMessage = Extract<ToWorker, { type: "evaluate" }>;
/** The part of WebGPU's API used here (TypeScript's DOM library does not declare it yet). */
type GpuAdapter = {
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
};
type GpuNavigator = { gpu?: { requestAdapter(): Promise<GpuAdapter | null> } };

/** Where a job stands: level, pane and next row. */
interface RenderJob {
  message: RenderMessage;
  level: number;
  pane: number;
  row: number;
  started: number;
}

const scope = self as unknown as DedicatedWorkerGlobalScope;
let ort: OrtModule | undefined;
let provider: "wasm" | "webgpu" = "wasm";
const sessions = new Map<string, Promise<Ort.InferenceSession>>();
/** Measured ms per point of each model file (exponential average), for tile sizes. */
const msPerPoint = new Map<string, number>();
let viewJob: RenderJob | undefined;
const saveJobs: RenderJob[] = [];
const evaluations: EvaluateMessage[] = [];
let pumping = false;
let runs = 0;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|software/i;

async function webGpuAdapter(): Promise<AdapterInfo | undefined> {
  const gpu = (navigator as unknown as GpuNavigator).gpu;
  try {
    const adapter = gpu && (await gpu.requestAdapter());
    if (!adapter) return undefined;
    const info = adapter.info ?? {};
    const vendor = info.vendor ?? "";
    const architecture = info.architecture ?? "";
    const software =
      Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) ||
      SOFTWARE_ADAPTER.test(`${vendor} ${architecture} ${info.description ?? ""}`);
    return { vendor, architecture, software };
  } catch {
    return undefined;
  }
}

async function init(backend: WorkerBackend, wasmPaths: string): Promise<void> {
  const adapter = backend === "wasm" ? undefined : await webGpuAdapter();
  if (backend === "webgpu" && !adapter) throw new Error("this browser offers no WebGPU adapter");
  // "auto" never picks a software adapter: SwiftShader is far slower than wasm.
  const webgpu = adapter !== undefined && (backend === "webgpu" || !adapter.software);
  // Two builds with the same API: the WebGPU one carries a larger runtime, so load it only when used.
  ort = webgpu ? await import("onnxruntime-web/webgpu") : await import("onnxruntime-web/wasm");
  provider = webgpu ? "webgpu" : "wasm";
  ort.env.wasm.wasmPaths = wasmPaths;
  // Threads need cross-origin isolation (COOP/COEP headers, which `siren serve` sends).
  ort.env.wasm.numThreads = scope.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  ort.env.logLevel = "error";
  post({ type: "ready", backend: provider, threads: ort.env.wasm.numThreads, adapter });
}

function session(url: string): Promise<Ort.InferenceSession> {
  let s = sessions.get(url);
  if (!s) {
    s = (async () => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const providers = provider === "webgpu" ? ["webgpu", "wasm"] : ["wasm"];
      return ort!.InferenceSession.create(bytes, { executionProviders: providers });
    })();
    s.catch(() => sessions.delete(url));
    sessions.set(url, s);
  }
  return s;
}

/** A transferable copy-free array when the tensor owns its buffer, else a copy. */
function ownArray(data: Float32Array): Float32Array {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
}

/** One model run over `coords`; returns the fetched outputs and the number of channels. */
async function runModel(modelUrl: string, coords: Float32Array, fetch: SourceName[]) {
  const s = await session(modelUrl);
  const points = coords.length / 2;
  const started = performance.now();
  const result = await s.run({ [s.inputNames[0]]: new ort!.Tensor("float32", coords, [points, 2]) }, fetch);
  const ms = performance.now() - started;
  runs++;
  const sources: Sources = {};
  let channels = 1;
  for (const name of fetch) {
    const tensor = result[name];
    channels = tensor.dims[1];
    sources[name] = ownArray(tensor.data as Float32Array);
    tensor.dispose();
  }
  const previous = msPerPoint.get(modelUrl);
  const current = ms / points;
  msPerPoint.set(modelUrl, previous === undefined ? current : 0.5 * previous + 0.5 * current);
  return { sources, channels, ms };
}

const transferables = (sources: Sources) => Object.values(sources).map((a) => a.buffer as ArrayBuffer);

/** Runs the job's next tile; returns true when the job has finished. */
async function renderStep(job: RenderJob): Promise<boolean> {
  const { levels, panes, region } = job.message;
  const { width, height } = levels[job.level];
  const task = panes[job.pane];
  const rowEnd = Math.min(height, job.row + tileRowsFor(width, msPerPoint.get(task.modelUrl)));
  const coords = regionGridRows(width, height, region, job.row, rowEnd);
  const { sources, channels, ms } = await runModel(task.modelUrl, coords, task.fetch);
  if (isLive(job)) {
    post(
      {
        type: "tile",
        jobId: job.message.jobId,
        paneId: task.paneId,
        level: job.level,
        rowStart: job.row,
        rowEnd,
        channels,
        sources,
        ms,
        runs,
      },
      transferables(sources),
    );
  }
  // All panes' coarse levels first, so every pane shows something at once.
  job.row = rowEnd;
  if (job.row < height) return false;
  job.row = 0;
  job.pane++;
  if (job.pane < panes.length) return false;
  job.pane = 0;
  job.level++;
  return job.level >= levels.length;
}

/** Lets queued messages (cancel, newer views) in: a message-channel round trip, without timer clamping. */
function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(0);
  });
}

/** Not yet superseded or cancelled. */
function isLive(job: RenderJob): boolean {
  return job === viewJob || saveJobs.includes(job);
}

function endJob(job: RenderJob): void {
  if (job === viewJob) viewJob = undefined;
  const i = saveJobs.indexOf(job);
  if (i >= 0) saveJobs.splice(i, 1);
}

async function pump(): Promise<void> {
  for (;;) {
    await yieldToMessages();
    const evaluation = evaluations.shift();
    if (evaluation) {
      try {
        const { sources, channels, ms } = await runModel(evaluation.modelUrl, evaluation.coords, evaluation.fetch);
        post({ type: "evaluated", jobId: evaluation.jobId, channels, sources, ms, runs }, transferables(sources));
      } catch (err) {
        post({ type: "error", jobId: evaluation.jobId, message: (err as Error).message ?? String(err) });
      }
      continue;
    }
    const job = viewJob ?? saveJobs[0];
    if (!job) break;
    try {
      if (await renderStep(job)) {
        const live = isLive(job);
        endJob(job);
        if (live) post({ type: "done", jobId: job.message.jobId, ms: performance.now() - job.started });
      }
    } catch (err) {
      const live = isLive(job);
      endJob(job);
      if (live) post({ type: "error", jobId: job.message.jobId, message: (err as Error).message ?? String(err) });
    }
  }
  pumping = false;
}

function wake(): void {
  if (pumping) return;
  pumping = true;
  void pump();
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === "init") {
    init(message.backend, message.wasmPaths).catch((err: Error) =>
      post({ type: "init-error", message: err.message ?? String(err) }),
    );
  } else if (message.type === "render") {
    const job: RenderJob = { message, level: 0, pane: 0, row: 0, started: performance.now() };
    if (message.kind === "view") viewJob = job;
    else saveJobs.push(job);
    wake();
  } else if (message.type === "evaluate") {
    evaluations.push(message);
    wake();
  } else if (message.type === "cancel") {
    if (viewJob?.message.jobId === message.jobId) viewJob = undefined;
    const i = saveJobs.findIndex((j) => j.message.jobId === message.jobId);
    if (i >= 0) saveJobs.splice(i, 1);
  }
};
