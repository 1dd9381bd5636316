/**
 * A bounded work queue: at most `concurrency` jobs run at once and at most `maxQueued` wait.
 * Renders are CPU-bound (onnxruntime-node already uses every core), so running them one after
 * another keeps the server responsive; refusing work beyond the queue keeps memory bounded.
 */
export class QueueFullError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super("the render queue is full, try again shortly");
  }
}

export class RenderAbortedError extends Error {
  constructor() {
    super("the request was cancelled by its client");
  }
}

export interface RenderQueueOptions {
  concurrency?: number;
  maxQueued?: number;
}

interface Waiting {
  start: () => void;
  cancel: () => void;
}

export class RenderQueue {
  readonly concurrency: number;
  readonly maxQueued: number;
  private running = 0;
  private readonly waiting: Waiting[] = [];
  /** Recent job durations, for the Retry-After estimate. */
  private averageMs = 1000;

  constructor(options: RenderQueueOptions = {}) {
    this.concurrency = options.concurrency ?? 1;
    this.maxQueued = options.maxQueued ?? 8;
  }

  get size(): { running: number; queued: number } {
    return { running: this.running, queued: this.waiting.length };
  }

  /** Runs `job` when a slot frees up; rejects at once with QueueFullError when the queue is full. */
  async run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw new RenderAbortedError();
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxQueued) throw new QueueFullError(this.retryAfterSeconds());
      await new Promise<void>((resolve, reject) => {
        const entry: Waiting = {
          start: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
          cancel: () => reject(new RenderAbortedError()),
        };
        const onAbort = () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          entry.cancel();
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        this.waiting.push(entry);
      });
    } else {
      this.running++;
    }
    // A slot is ours here: either taken above or handed over by the job that finished.
    const started = performance.now();
    try {
      return await job();
    } finally {
      this.averageMs = 0.8 * this.averageMs + 0.2 * (performance.now() - started);
      const next = this.waiting.shift();
      if (next) next.start();
      else this.running--;
    }
  }

  private retryAfterSeconds(): number {
    const perSlot = (this.waiting.length + this.running) / this.concurrency;
    return Math.max(1, Math.ceil((perSlot * this.averageMs) / 1000));
  }
}
