import { modelFileUrl } from "./model-list.ts";
import { finalPicture, toImageData } from "./pictures.ts";
import { planLevels } from "./render-plan.ts";
import type { PictureRequest, Renderer, ViewJob } from "./renderer.ts";
import type { FromWorker, ToWorker, WorkerBackend } from "./worker-protocol.ts";

type TileMessage = Extract<FromWorker, { type: "tile" }>;

interface JobHandlers {
  tile: (message: TileMessage) => void;
  done: (ms: number) => void;
  error: (message: string) => void;
}

/** Renders with onnxruntime-web in a Web Worker (render-worker.ts), progressively. */
export class BrowserRenderer implements Renderer {
  readonly hasValues = true;
  private nextJobId = 1;
  private viewJobId = 0;
  private readonly jobs = new Map<number, JobHandlers>();

  private constructor(
    private readonly worker: Worker,
    readonly backend: "wasm" | "webgpu",
    readonly threads: number,
  ) {
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    worker.onerror = (event) => {
      // A crashed worker (e.g. out of memory) ends every job it had.
      for (const handlers of this.jobs.values()) handlers.error(event.message || "the render worker stopped");
      this.jobs.clear();
    };
  }

  /** Starts a worker; with "auto", WebGPU when the browser offers an adapter, else wasm. */
  static create(backend: WorkerBackend): Promise<BrowserRenderer> {
    const worker = new Worker(new URL("./render-worker.ts", import.meta.url), { type: "module" });
    return new Promise((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<FromWorker>) => {
        const m = event.data;
        if (m.type === "ready") resolve(new BrowserRenderer(worker, m.backend, m.threads));
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
    return this.backend === "webgpu" ? "webgpu" : `wasm · ${this.threads} thread${this.threads > 1 ? "s" : ""}`;
  }

  get approximateDerivatives(): boolean {
    return this.backend === "webgpu";
  }

  private receive(message: FromWorker): void {
    if (message.type === "ready" || message.type === "init-error") return;
    const handlers = this.jobs.get(message.jobId);
    if (!handlers) return;
    if (message.type === "tile") handlers.tile(message);
    else {
      this.jobs.delete(message.jobId);
      if (message.type === "done") handlers.done(message.ms);
      else handlers.error(message.message);
    }
  }

  render(job: ViewJob): void {
    this.cancel();
    const jobId = this.nextJobId++;
    this.viewJobId = jobId;
    const levels = planLevels(job.width, job.height);
    const panes = new Map(job.panes.map(({ pane }, i) => [i, pane]));
    const tasks = job.panes.map(({ model }, paneId) => {
      const modelUrl = modelFileUrl(model, job.output);
      if (!modelUrl) throw new Error(`model ${model.name} has no file for ${job.output}`);
      return { paneId, modelUrl, output: job.output };
    });
    for (const { pane } of job.panes) pane.begin(job.region, levels, job.output);
    this.jobs.set(jobId, {
      tile: (m) => panes.get(m.paneId)?.tile(m.level, m.rowStart, m.rowEnd, m.channels, m.values),
      done: job.onDone,
      error: job.onError,
    });
    this.post({ type: "render", jobId, interactive: true, region: job.region, levels, panes: tasks });
  }

  cancel(): void {
    if (!this.viewJobId) return;
    this.jobs.delete(this.viewJobId);
    this.post({ type: "cancel", jobId: this.viewJobId });
    this.viewJobId = 0;
  }

  renderPng(request: PictureRequest, signal: AbortSignal): Promise<Blob> {
    const { model, output, region, width, height } = request;
    const modelUrl = modelFileUrl(model, output);
    if (!modelUrl) return Promise.reject(new Error(`model ${model.name} has no file for ${output}`));
    const jobId = this.nextJobId++;
    const level = planLevels(width, height).at(-1)!;
    const rows: Float32Array[] = [];
    let channels = 1;
    return new Promise<Blob>((resolve, reject) => {
      signal.addEventListener("abort", () => {
        this.jobs.delete(jobId);
        this.post({ type: "cancel", jobId });
        reject(new Error("cancelled"));
      });
      this.jobs.set(jobId, {
        tile: (m) => {
          rows.push(m.values);
          channels = m.channels;
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
          const picture = finalPicture(all, output, channels);
          const canvas = document.createElement("canvas");
          canvas.width = width;
          canvas.height = height;
          canvas.getContext("2d")!.putImageData(toImageData(picture.rgba, width, height), 0, 0);
          canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("PNG encoding failed"))), "image/png");
        },
      });
      this.post({
        type: "render",
        jobId,
        interactive: false,
        region,
        levels: [level],
        panes: [{ paneId: 0, modelUrl, output }],
      });
    });
  }

  private post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  dispose(): void {
    this.worker.terminate();
    this.jobs.clear();
  }
}
