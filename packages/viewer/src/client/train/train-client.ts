import type { ModelKind } from "@siren-onnx/core";
import type { FromTrainWorker, ToTrainWorker, TrainBackend, TrainImage, TrainSettings } from "./train-protocol.ts";

export type DoneMessage = Extract<FromTrainWorker, { type: "done" }>;

export interface TrainRequest {
  image: TrainImage;
  models: ModelKind[];
  settings: TrainSettings;
  backend: TrainBackend;
}

/**
 * One training run in a fresh worker (train-worker.ts). Every run gets its own worker, so a
 * run that fails, runs out of memory or crashes leaves nothing behind; terminate() ends one
 * that does not answer. `onMessage` sees every message; `finished` settles when the worker is done.
 */
export class TrainRun {
  private readonly worker: Worker;
  readonly finished: Promise<DoneMessage[]>;
  private settle!: (done: DoneMessage[]) => void;
  private done: DoneMessage[] = [];
  private ended = false;

  constructor(
    request: TrainRequest,
    private readonly onMessage: (message: FromTrainWorker) => void,
  ) {
    this.finished = new Promise((resolve) => {
      this.settle = resolve;
    });
    this.worker = new Worker(new URL("./train-worker.ts", import.meta.url), { type: "module" });
    this.worker.onmessage = (event: MessageEvent<FromTrainWorker>) => {
      const m = event.data;
      if (m.type === "finished") return this.end();
      if (m.type === "done") this.done.push(m);
      this.onMessage(m);
    };
    // A worker that dies (out of memory in the runtime, a crash) reports here, if at all.
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.onMessage({
        type: "error",
        message: `the train worker stopped: ${event.message || "out of memory or a crash"}`,
      });
      this.end();
    };
    this.worker.onmessageerror = () => {
      this.onMessage({ type: "error", message: "the train worker sent a message the page could not read" });
    };
    const wasmPaths = new URL("ort/", document.baseURI).href;
    const transfer = request.image.kind === "file" ? [request.image.bytes] : [];
    this.post({ type: "start", ...request, wasmPaths }, transfer);
  }

  private post(message: ToTrainWorker, transfer: Transferable[] = []): void {
    if (!this.ended) this.worker.postMessage(message, transfer);
  }

  pause(): void {
    this.post({ type: "pause" });
  }

  resume(): void {
    this.post({ type: "resume" });
  }

  /** Stops after the current step; the models trained so far are still exported. */
  stop(): void {
    this.post({ type: "stop" });
  }

  /** Ends the worker at once (a run that does not answer). */
  terminate(): void {
    if (this.ended) return;
    this.onMessage({ type: "error", message: "training cancelled" });
    this.end();
  }

  get running(): boolean {
    return !this.ended;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.worker.terminate();
    this.onMessage({ type: "finished" });
    this.settle(this.done);
  }
}
