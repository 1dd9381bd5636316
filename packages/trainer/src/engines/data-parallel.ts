import type { ModelSpec, Supervision } from "@siren-onnx/core";
import { type Graph, graphToOnnx } from "@siren-onnx/onnx-graph";
import type { AdamOptions } from "./engine.ts";
import type { OnnxRuntime, RuntimeSession, RuntimeTensor, RuntimeWorker } from "./onnx-runtime.ts";
import {
  buildGradientGraph,
  buildPredictGraph,
  buildShardedAdamGraph,
  GRAD,
  parameterNames,
  SHARD_GRAD,
} from "./onnx-training-graph.ts";

/**
 * Fewest points a shard gets: below this a step is too short for the threads' hand-offs to pay
 * (about a millisecond a step), so smaller batches run on one session.
 */
export const MIN_SHARD_POINTS = 2048;

/**
 * Most points a shard gets: a larger batch runs as several shards per worker, one after the other.
 * A full-batch value step at 256² took 508 ms in 4,096-point shards against 649 ms in two halves
 * (2 cores); a 16,384-point step is the same either way.
 */
export const MAX_SHARD_POINTS = 4096;

/** Shards of at most MAX_SHARD_POINTS for `n` points, a whole number of them per worker. */
function shardsFor(n: number, workers: number): number[] {
  const count = shardCount(n, workers);
  return shardSizes(n, count * Math.max(1, Math.ceil(n / (count * MAX_SHARD_POINTS))));
}

/** `n` points split into `k` contiguous shards whose sizes differ by at most one. */
export function shardSizes(n: number, k: number): number[] {
  return Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
}

/** How many shards a batch of `n` points gets with `workers` threads (1: no data parallelism). */
export function shardCount(n: number, workers: number): number {
  return Math.max(1, Math.min(workers, Math.floor(n / MIN_SHARD_POINTS)));
}

/** Feeds with a row per point (split among the shards); the others go whole to every session. */
const isPointFeed = (name: string) => name === "coords" || name.startsWith("target.");

/** The rows [start, start + count) of a row-major [n, width] tensor's data. */
function rows(t: RuntimeTensor, width: number, start: number, count: number): Float32Array {
  return (t.data as Float32Array).subarray(start * width, (start + count) * width);
}

/**
 * The step and predict sessions of createOnnxStepEngine, data-parallel over worker threads: the
 * same feeds and outputs as the single sessions they replace. A step runs each shard's gradient
 * graph (buildGradientGraph) on its own worker, then buildShardedAdamGraph averages the gradients
 * and updates the weights on this thread. One ONNX definition of the step either way; only the
 * summation order of the gradients differs.
 */
export async function createDataParallelSessions(
  spec: ModelSpec,
  supervision: Supervision,
  batchSize: number,
  adam: AdamOptions,
  runtime: OnnxRuntime,
  workers: RuntimeWorker[],
  serialise: (graph: Graph) => Uint8Array,
): Promise<{ step: RuntimeSession; predict: RuntimeSession; release(): Promise<void> }> {
  // Shard k runs on worker k mod K; a worker runs its shards one after the other.
  const sizes = shardsFor(batchSize, workers.length);
  const starts = sizes.map((_, k) => sizes.slice(0, k).reduce((a, b) => a + b, 0));
  const names = parameterNames(spec);
  const release = () => Promise.all(workers.map((w) => w.terminate())).then(() => undefined);
  try {
    const gradientBytes = new Map(
      [...new Set(sizes)].map((n) => [n, serialise(buildGradientGraph(spec, supervision, n))]),
    );
    const predictBytes = serialise(buildPredictGraph(spec));
    // One session per worker and shard size: a worker runs its shards one after the other.
    const bySize = workers.map(() => new Map<number, Promise<RuntimeSession>>());
    const sessionFor = (k: number) => {
      const w = k % workers.length;
      let session = bySize[w].get(sizes[k]);
      if (!session) {
        session = workers[w].createSession(gradientBytes.get(sizes[k])!);
        bySize[w].set(sizes[k], session);
      }
      return session;
    };
    const [shardSessions, predictSessions] = await Promise.all([
      Promise.all(sizes.map((_, k) => sessionFor(k))),
      Promise.all(workers.map((w) => w.createSession(predictBytes))),
    ]);
    const adamSession = await runtime.createSession(
      graphToOnnx(
        buildShardedAdamGraph(
          spec,
          sizes.map((n) => n / batchSize),
          adam,
        ),
      ),
      [],
    );
    /** The points [start, start + count) of the point feeds, with the weights beside them. */
    const shardFeeds = (feeds: Record<string, RuntimeTensor>, start: number, count: number) =>
      Object.fromEntries(
        Object.entries(feeds).flatMap(([name, t]): Array<[string, RuntimeTensor]> => {
          if (!isPointFeed(name)) return names.includes(name) ? [[name, t]] : [];
          const width = name === "coords" ? 2 : spec.outputs;
          return [[name, runtime.tensor(rows(t, width, start, count), [count, width])]];
        }),
      );
    const step: RuntimeSession = {
      async run(feeds) {
        const shards = await Promise.all(shardSessions.map((s, k) => s.run(shardFeeds(feeds, starts[k], sizes[k]))));
        // The weights, Adam's moments and its scalars.
        const adamFeeds = Object.fromEntries(Object.entries(feeds).filter(([name]) => !isPointFeed(name)));
        shards.forEach((out, k) => {
          for (const name of names) adamFeeds[SHARD_GRAD(k, name)] = out[GRAD(name)];
        });
        const updated = await adamSession.run(adamFeeds);
        const loss = shards.reduce(
          (sum, out, k) => sum + (sizes[k] / batchSize) * (out.loss.data as Float32Array)[0],
          0,
        );
        return { ...updated, loss: runtime.tensor(Float32Array.of(loss), []) };
      },
      release: async () => {
        await Promise.all([...new Set(shardSessions), adamSession].map((s) => s.release()));
      },
    };
    const predict: RuntimeSession = {
      async run(feeds) {
        const n = (feeds.coords.data as Float32Array).length / 2;
        const parts = shardsFor(n, workers.length);
        let start = 0;
        const outs = await Promise.all(
          parts.map((count, k) => {
            const run = predictSessions[k % workers.length].run(shardFeeds(feeds, start, count));
            start += count;
            return run;
          }),
        );
        const image = new Float32Array(n * spec.outputs);
        let offset = 0;
        for (const out of outs) {
          image.set(out.image.data as Float32Array, offset);
          offset += (out.image.data as Float32Array).length;
        }
        return { image: runtime.tensor(image, [n, spec.outputs]) };
      },
      release: async () => {
        await Promise.all(predictSessions.map((s) => s.release()));
      },
    };
    return { step, predict, release };
  } catch (err) {
    await release();
    throw err;
  }
}
