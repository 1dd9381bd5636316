/// <reference lib="webworker" />
/**
 * The viewer's inference worker, the only code that imports onnxruntime-web: keeps the UI
 * responsive while models run. Renders jobs level by level and tile by tile, posting each
 * tile's values as soon as it is done and dropping a job as soon as a newer one supersedes it.
 */
import { extractRenderValues, regionGridRows, renderSource, valuesPerPoint } from "@siren-onnx/core";
import type * as Ort from "onnxruntime-web";
import { tileRanges } from "./render-plan.ts";
import type { FromWorker, PaneTask, ToWorker, WorkerBackend } from "./worker-protocol.ts";

type OrtModule = typeof Ort;
type RenderMessage = Extract<ToWorker, { type: "render" }>;
/** The part of WebGPU's API used here (TypeScript's DOM library does not declare it yet). */
type GpuNavigator = { gpu?: { requestAdapter(): Promise<unknown | null> } };

const scope = self as unknown as DedicatedWorkerGlobalScope;
let ort: OrtModule | undefined;
let provider: "wasm" | "webgpu" = "wasm";
const sessions = new Map<string, Promise<Ort.InferenceSession>>();
let latestInteractive = 0;
const cancelled = new Set<number>();
/** onnxruntime-web runs one inference per session at a time: runs from all jobs queue here. */
let runChain: Promise<unknown> = Promise.resolve();

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

async function hasWebGpu(): Promise<boolean> {
  const gpu = (navigator as unknown as GpuNavigator).gpu;
  try {
    return Boolean(gpu && (await gpu.requestAdapter()));
  } catch {
    return false;
  }
}

async function init(backend: WorkerBackend, wasmPaths: string): Promise<void> {
  const webgpu = backend !== "wasm" && (await hasWebGpu());
  if (backend === "webgpu" && !webgpu) throw new Error("this browser offers no WebGPU adapter");
  // Two builds with the same API: the WebGPU one carries a larger runtime, so load it only when usable.
  ort = webgpu ? await import("onnxruntime-web/webgpu") : await import("onnxruntime-web/wasm");
  provider = webgpu ? "webgpu" : "wasm";
  ort.env.wasm.wasmPaths = wasmPaths;
  // Threads need cross-origin isolation (COOP/COEP headers, which `siren serve` sends).
  ort.env.wasm.numThreads = scope.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  ort.env.logLevel = "error";
  post({ type: "ready", backend: provider, threads: ort.env.wasm.numThreads });
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

function isStale(job: RenderMessage): boolean {
  return job.interactive ? job.jobId !== latestInteractive : cancelled.has(job.jobId);
}

async function renderTile(job: RenderMessage, pane: PaneTask, level: number, rows: [number, number]): Promise<void> {
  const { width, height } = job.levels[level];
  const coords = regionGridRows(width, height, job.region, rows[0], rows[1]);
  const points = coords.length / 2;
  const s = await session(pane.modelUrl);
  const name = renderSource(pane.output);
  const run = runChain.then(() =>
    isStale(job) ? undefined : s.run({ [s.inputNames[0]]: new ort!.Tensor("float32", coords, [points, 2]) }, [name]),
  );
  runChain = run.catch(() => undefined);
  const result = await run;
  if (!result) return;
  const tensor = result[name];
  const channels = tensor.dims[1];
  const values = new Float32Array(points * valuesPerPoint(pane.output, channels));
  extractRenderValues(pane.output, tensor.data as Float32Array, points, channels, values, 0);
  tensor.dispose();
  if (isStale(job)) return;
  post(
    {
      type: "tile",
      jobId: job.jobId,
      paneId: pane.paneId,
      level,
      rowStart: rows[0],
      rowEnd: rows[1],
      channels,
      values,
    },
    [values.buffer],
  );
}

async function render(job: RenderMessage): Promise<void> {
  const started = performance.now();
  try {
    // All panes' coarse levels first, so every pane shows something at once.
    for (let level = 0; level < job.levels.length; level++) {
      for (const pane of job.panes) {
        for (const rows of tileRanges(job.levels[level])) {
          if (isStale(job)) return;
          await renderTile(job, pane, level, rows);
        }
      }
    }
    if (!isStale(job)) post({ type: "done", jobId: job.jobId, ms: performance.now() - started });
  } catch (err) {
    if (!isStale(job)) post({ type: "error", jobId: job.jobId, message: (err as Error).message ?? String(err) });
  } finally {
    cancelled.delete(job.jobId);
  }
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === "init") {
    init(message.backend, message.wasmPaths).catch((err: Error) =>
      post({ type: "init-error", message: err.message ?? String(err) }),
    );
  } else if (message.type === "render") {
    if (message.interactive) latestInteractive = message.jobId;
    void render(message);
  } else if (message.type === "cancel") {
    cancelled.add(message.jobId);
    if (message.jobId === latestInteractive) latestInteractive = 0;
  }
};
