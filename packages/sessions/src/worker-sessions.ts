/**
 * CPU sessions that run in worker threads, for data parallelism: onnxruntime's CPU `Sin` and
 * `Cos` are serial loops and its Gemm gains well under 2x from a second intra-op thread, so K
 * single-threaded sessions on K threads, each on 1/K of the points, beat one K-threaded session
 * (a SIREN value step at 16,384 points on 2 cores: 117 against 188 ms; README, "Benchmarks").
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import * as ort from "onnxruntime-node";
import { sessionOptions } from "./sessions.ts";

/** A float32 tensor as it crosses the thread boundary. */
interface PlainTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** The messages of session-worker.mjs. */
type WorkerRequest =
  | { kind: "create"; id: number; model: Uint8Array; options: ort.InferenceSession.SessionOptions }
  | { kind: "run"; id: number; feeds: Record<string, PlainTensor>; fetches?: string[] }
  | { kind: "release"; id: number };
type WorkerReply = { ok: true; outputs?: Record<string, PlainTensor> } | { ok: false; error: string };

/** The part of an onnxruntime session a worker session offers (feeds and outputs are float32). */
export interface WorkerSession {
  /** All outputs, or those named in `fetches`. */
  run(feeds: Record<string, ort.Tensor>, fetches?: string[]): Promise<Record<string, ort.Tensor>>;
  release(): Promise<void>;
  /** Whether its worker still runs. */
  readonly alive: boolean;
}

/** A worker thread that holds single-threaded CPU sessions; its requests run one at a time. */
export interface SessionWorker {
  createSession(model: Uint8Array): Promise<WorkerSession>;
  /** False once the thread has stopped (terminated or crashed): every call then fails. */
  readonly alive: boolean;
  terminate(): Promise<void>;
}

/** How many single-threaded workers a CPU job should use: `threads` if given, else every core. */
export function workerCount(threads?: number): number {
  return Math.max(1, threads ?? availableParallelism());
}

const WORKER_URL = new URL("./session-worker.mjs", import.meta.url);

let shared: SessionWorker[] | undefined;

/**
 * Most shared workers: each holds a session of every model file a renderer has loaded, so their
 * number bounds memory on a many-core machine.
 */
export const MAX_SHARED_WORKERS = 8;

/**
 * This process's shared workers, one per core up to MAX_SHARED_WORKERS, started on first use
 * (renderers share them, so renders of several models queue on the same threads instead of
 * oversubscribing the cores). Idle, they do not keep the process alive.
 */
export function sharedSessionWorkers(): SessionWorker[] {
  shared ??= Array.from({ length: Math.min(MAX_SHARED_WORKERS, workerCount()) }, startSessionWorker);
  // A worker that crashed is replaced (a long-running server keeps rendering).
  shared = shared.map((w) => (w.alive ? w : startSessionWorker()));
  return shared;
}

/**
 * A feed as it is posted: a view of part of a larger buffer is copied out (structured cloning
 * would copy the whole buffer, e.g. a whole grid for one tile) and the copy transferred; a
 * whole buffer is cloned, so the caller keeps it.
 */
function plainFeed(t: ort.Tensor): { tensor: PlainTensor; transfer?: ArrayBuffer } {
  const data = t.data as Float32Array;
  if (data.byteLength === data.buffer.byteLength) return { tensor: { data, dims: t.dims } };
  const copy = data.slice();
  return { tensor: { data: copy, dims: t.dims }, transfer: copy.buffer };
}

export function startSessionWorker(): SessionWorker {
  // No loader flags: the worker is plain JavaScript.
  const worker = new Worker(WORKER_URL, { execArgv: [] });
  let failure: Error | undefined;
  let pending: ((reply: WorkerReply) => void) | undefined;
  const fail = (err: Error) => {
    failure ??= err;
    pending?.({ ok: false, error: err.message });
  };
  worker.on("message", (reply: WorkerReply) => pending?.(reply));
  worker.on("error", fail);
  worker.on("messageerror", () =>
    pending?.({ ok: false, error: "a reply of the onnxruntime worker could not be read" }),
  );
  worker.on("exit", (code) => fail(new Error(`onnxruntime worker stopped (exit code ${code})`)));
  // An idle worker does not keep the process alive; one that owes a reply does.
  worker.unref();
  let queue: Promise<unknown> = Promise.resolve();
  const call = (request: WorkerRequest, transfer: ArrayBuffer[] = []) => {
    const reply = queue.then(
      () =>
        new Promise<Record<string, PlainTensor> | undefined>((resolve, reject) => {
          if (failure) return reject(failure);
          worker.ref();
          pending = (r) => {
            pending = undefined;
            worker.unref();
            if (r.ok) resolve(r.outputs);
            else reject(new Error(r.error));
          };
          try {
            worker.postMessage(request, transfer);
          } catch (err) {
            pending({ ok: false, error: String((err as Error)?.message ?? err) });
          }
        }),
    );
    queue = reply.catch(() => undefined);
    return reply;
  };
  let nextId = 0;
  return {
    async createSession(model) {
      const id = nextId++;
      await call({ kind: "create", id, model, options: sessionOptions("cpu", { threads: 1 }) });
      return {
        async run(feeds, fetches) {
          const plain: Record<string, PlainTensor> = {};
          const transfer: ArrayBuffer[] = [];
          for (const [name, t] of Object.entries(feeds)) {
            const feed = plainFeed(t);
            plain[name] = feed.tensor;
            if (feed.transfer) transfer.push(feed.transfer);
          }
          const outputs = (await call({ kind: "run", id, feeds: plain, fetches }, transfer)) ?? {};
          return Object.fromEntries(
            Object.entries(outputs).map(([name, t]) => [name, new ort.Tensor("float32", t.data, t.dims)]),
          );
        },
        async release() {
          if (!failure) await call({ kind: "release", id }).catch(() => undefined);
        },
        get alive() {
          return !failure;
        },
      };
    },
    get alive() {
      return !failure;
    },
    async terminate() {
      // A request in flight fails now, and so does every one queued behind it.
      fail(new Error("onnxruntime worker terminated"));
      worker.removeAllListeners("exit");
      await worker.terminate();
    },
  };
}
