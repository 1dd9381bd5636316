import { modelFileFor, type RenderOutput, regionGrid, renderSource, TRAINING_DOMAIN } from "@siren-onnx/core";
import type { ModelEntry } from "../shared/model-entry.ts";
import { debugLog, recordModelRuns } from "./debug-log.ts";
import { modelFileUrl } from "./model-list.ts";
import { finalPicture, toImageData } from "./pictures.ts";
import { coarsePointsFor, planLevels } from "./render-plan.ts";
import {
  BROWSER_PROBE_SIDES,
  type PictureRequest,
  type ProbeResult,
  probeCosts,
  type Renderer,
  type ViewJob,
  ViewJobTracker,
} from "./renderer.ts";
import { channelValues, sourcesToFetch } from "./view-sources.ts";
import type { AdapterInfo, FromWorker, SourceName, Sources, ToWorker, WorkerBackend } from "./worker-protocol.ts";

type TileMessage = Extract<FromWorker, { type: "tile" }>;
type Evaluated = Extract<FromWorker, { type: "evaluated" }>;

interface JobHandlers {
  tile?: (message: TileMessage) => void;
  evaluated?: (message: Evaluated) => void;
  done: (ms: number) => void;
  error: (message: string) => void;
}

/** Renders with onnxruntime-web in a Web Worker (render-worker.ts), progressively. */
export class BrowserRenderer implements Renderer {
  private nextJobId = 1;
  private viewJobId = 0;
  private readonly jobs = new Map<number, JobHandlers>();
  /** Measured points per millisecond of each model file, for the size of the first level. */
  private readonly speed = new Map<string, number>();

  private constructor(
    private readonly worker: Worker,
    readonly backend: "wasm" | "webgpu",
    readonly threads: number,
    readonly adapter: AdapterInfo | undefined,
  ) {
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    worker.onerror = (event) => {
      // A crashed worker (e.g. out of memory) ends every job it had.
      for (const handlers of this.jobs.values()) handlers.error(event.message || "the render worker stopped");
      this.jobs.clear();
    };
  }

  /** Starts a worker; with "auto", WebGPU on a hardware adapter, else wasm. */
  static create(backend: WorkerBackend): Promise<BrowserRenderer> {
    const worker = new Worker(new URL("./render-worker.ts", import.meta.url), { type: "module" });
    return new Promise((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<FromWorker>) => {
        const m = event.data;
        if (m.type === "ready") resolve(new BrowserRenderer(worker, m.backend, m.threads, m.adapter));
        else if (m.type === "init-error") {
          worker.terminate();
          reject(new Error(m.message));
        }
      };
      worker.onerror = (event) => {
        worker.terminate();
        reject(new Error(event.message || "the render worker failed to start"));
      };
      const wasmPaths = new URL("ort/", document.baseURI).href;
      worker.postMessage({ type: "init", backend, wasmPaths } satisfies ToWorker);
    });
  }

  get description(): string {
    if (this.backend === "webgpu") {
      const a = this.adapter;
      return `webgpu${a ? ` (${a.software ? "software adapter: " : ""}${a.architecture || a.vendor || "adapter"})` : ""}`;
    }
    return `wasm · ${this.threads} thread${this.threads > 1 ? "s" : ""}`;
  }

  private receive(message: FromWorker): void {
    if (message.type === "ready" || message.type === "init-error") return;
    if (message.type === "tile" || message.type === "evaluated") recordModelRuns(message.runs);
    const handlers = this.jobs.get(message.jobId);
    if (!handlers) return;
    if (message.type === "tile") handlers.tile?.(message);
    else if (message.type === "evaluated") {
      this.jobs.delete(message.jobId);
      handlers.evaluated?.(message);
    } else {
      this.jobs.delete(message.jobId);
      if (message.type === "done") handlers.done(message.ms);
      else handlers.error(message.message);
    }
  }

  private noteSpeed(modelUrl: string, points: number, ms: number): void {
    if (ms > 0) this.speed.set(modelUrl, points / ms);
  }

  /** The file as this backend runs it: sin/cos as exact polynomials (see the server's model-variants.ts). */
  private fileUrl(model: ModelEntry, output: RenderOutput): string | undefined {
    const variant = this.backend === "webgpu" ? "webgpu" : "polynomial";
    if (model.local) {
      const file = modelFileFor(model.files, output);
      return file && model.local[variant][file === model.files.image ? "image" : "derivatives"];
    }
    const url = modelFileUrl(model, output);
    return url && `${url}?trig=${variant}`;
  }

  render(job: ViewJob): void {
    this.cancel();
    const jobId = this.nextJobId++;
    this.viewJobId = jobId;
    const fetch = sourcesToFetch(job.output);
    const tasks = job.panes.map(({ model }, paneId) => {
      const modelUrl = this.fileUrl(model, job.output);
      if (!modelUrl) throw new Error(`model ${model.name} has no file for ${job.output}`);
      return { paneId, modelUrl, fetch };
    });
    // The slowest model sizes the first level, so it comes back within about one tile's time.
    const rates = tasks.map((t) => this.speed.get(t.modelUrl));
    const slowest = rates.some((r) => r === undefined) ? undefined : Math.min(...(rates as number[]));
    const levels = planLevels(job.width, job.height, coarsePointsFor(slowest));
    const tracker = new ViewJobTracker(job, levels, fetch, jobId);
    this.jobs.set(jobId, {
      tile: (m) => {
        this.noteSpeed(tasks[m.paneId].modelUrl, (m.rowEnd - m.rowStart) * levels[m.level].width, m.ms);
        tracker.tile(m.paneId, m.level, m.rowStart, m.rowEnd, m.channels, m.sources, m.ms);
      },
      done: () => tracker.done(),
      error: job.onError,
    });
    this.post({ type: "render", jobId, kind: "view", region: job.region, levels, panes: tasks });
  }

  cancel(): void {
    if (!this.viewJobId) return;
    this.jobs.delete(this.viewJobId);
    this.post({ type: "cancel", jobId: this.viewJobId });
    debugLog({ type: "cancel", job: this.viewJobId });
    this.viewJobId = 0;
  }

  /** Runs a model (the file of `output`, as this backend runs it) on the given points, before any render tile. */
  evaluateModel(model: ModelEntry, output: RenderOutput, coords: Float32Array, fetch: SourceName[]) {
    return this.evaluate(this.fileUrl(model, output)!, coords, fetch);
  }

  private evaluate(modelUrl: string, coords: Float32Array, fetch: SourceName[]) {
    const jobId = this.nextJobId++;
    return new Promise<{ sources: Sources; channels: number; ms: number }>((resolve, reject) => {
      this.jobs.set(jobId, {
        evaluated: (m) => resolve({ sources: m.sources, channels: m.channels, ms: m.ms }),
        done: () => {},
        error: (message) => reject(new Error(message)),
      });
      this.post({ type: "evaluate", jobId, modelUrl, coords, fetch });
    });
  }

  async probe(model: ModelEntry): Promise<ProbeResult> {
    const url = this.fileUrl(model, "image")!;
    return probeCosts(BROWSER_PROBE_SIDES, async (side) => {
      const { ms } = await this.evaluate(url, regionGrid(side, side, TRAINING_DOMAIN), ["image"]);
      this.noteSpeed(url, side * side, ms);
      return ms;
    });
  }

  renderPng(request: PictureRequest, signal: AbortSignal): Promise<Blob> {
    const { model, output, region, width, height } = request;
    const modelUrl = this.fileUrl(model, output);
    if (!modelUrl) return Promise.reject(new Error(`model ${model.name} has no file for ${output}`));
    const jobId = this.nextJobId++;
    const fetch: SourceName[] = [renderSource(output)]; // a save keeps only what it shows
    const rows: Float32Array[] = [];
    let channels = 1;
    return new Promise<Blob>((resolve, reject) => {
      signal.addEventListener("abort", () => {
        this.jobs.delete(jobId);
        this.post({ type: "cancel", jobId });
        debugLog({ type: "cancel", job: jobId });
        reject(new Error("cancelled"));
      });
      this.jobs.set(jobId, {
        tile: (m) => {
          debugLog({ type: "tile", job: jobId, level: 0, pane: 0 });
          channels = m.channels;
          rows.push(channelValues(output, m.sources, (m.rowEnd - m.rowStart) * width, channels));
          request.onProgress(m.rowEnd / height);
        },
        error: (message) => reject(new Error(message)),
        done: () => {
          const all = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
          let at = 0;
          for (const r of rows) {
            all.set(r, at);
            at += r.length;
          }
          debugLog({ type: "done", job: jobId });
          const picture = finalPicture(all, output, channels);
          const canvas = document.createElement("canvas");
          canvas.width = width;
          canvas.height = height;
          canvas.getContext("2d")!.putImageData(toImageData(picture.rgba, width, height), 0, 0);
          canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("PNG encoding failed"))), "image/png");
        },
      });
      debugLog({ type: "job", job: jobId, level: 1 });
      this.post({
        type: "render",
        jobId,
        kind: "save",
        region,
        levels: [{ width, height }],
        panes: [{ paneId: 0, modelUrl, fetch }],
      });
    });
  }

  private post(message: ToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  dispose(): void {
    this.worker.terminate();
    this.jobs.clear();
  }
}
