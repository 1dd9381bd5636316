/**
 * The data-parallel CPU engine (data-parallel.ts: each shard's gradients on its own worker thread,
 * averaged by the sharded Adam graph) against one session running the whole batch.
 */
import {
  createSpec,
  initParams,
  type ModelParams,
  regionGrid,
  SeededRandom,
  type Supervision,
  TARGET_NAMES,
} from "@siren-onnx/core";
import { describe, expect, it } from "vitest";
import { relativeError } from "../../../test/support/fixtures.ts";
import { MAX_SHARD_POINTS, MIN_SHARD_POINTS, shardCount, shardSizes } from "../src/engines/data-parallel.ts";
import { DEFAULT_ADAM, type EngineOptions, type StepBatch } from "../src/engines/engine.ts";
import { createOnnxEngine } from "../src/engines/onnx-engine.ts";

describe("shards", () => {
  it("split a batch into contiguous parts that differ by at most one point", () => {
    expect(shardSizes(16_384, 2)).toEqual([8192, 8192]);
    expect(shardSizes(10, 3)).toEqual([4, 3, 3]);
    expect(shardSizes(4097, 2).reduce((a, b) => a + b)).toBe(4097);
  });

  it("are at most one per thread and never smaller than MIN_SHARD_POINTS", () => {
    expect(shardCount(16_384, 2)).toBe(2);
    expect(shardCount(16_384, 16)).toBe(16_384 / MIN_SHARD_POINTS);
    expect(shardCount(2 * MIN_SHARD_POINTS - 1, 8)).toBe(1);
    expect(shardCount(100, 1)).toBe(1);
  });
});

const flat = (p: ModelParams) => Float32Array.from(p.flatMap((l) => [...l.weight, ...l.bias]));

/** A narrow SIREN and a random batch of `n` points with random targets. */
function setup(supervision: Supervision, n: number, outputs: 1 | 3 = 1) {
  const spec = createSpec("sine", { width: 16, hiddenLayers: 1, outputs });
  const rng = new SeededRandom(3);
  const grid = regionGrid(128, 128);
  const coords = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const p = Math.floor(rng.uniform(0, grid.length / 2));
    coords.set(grid.subarray(2 * p, 2 * p + 2), 2 * i);
  }
  const targets = Object.fromEntries(
    TARGET_NAMES[supervision].map((name) => [
      name,
      Float32Array.from({ length: n * outputs }, () => rng.uniform(-1, 1)),
    ]),
  );
  const batch: StepBatch = { coords, targets };
  const options: EngineOptions = {
    spec,
    params: initParams(spec, 4),
    supervision,
    batchSize: n,
    adam: { ...DEFAULT_ADAM, lr: 1e-3 },
    threads: 2,
  };
  return { batch, options, grid };
}

describe("data-parallel engine", () => {
  const cases: Array<[Supervision, number, 1 | 3]> = [
    ["value", 2 * MIN_SHARD_POINTS, 1],
    // Unequal shards (2049 + 2048 points): two gradient graphs of different sizes, weighted by share.
    ["value", 2 * MIN_SHARD_POINTS + 1, 3],
    ["gradient", 2 * MIN_SHARD_POINTS, 1],
    ["laplacian", 2 * MIN_SHARD_POINTS + 1, 1],
    // More than MAX_SHARD_POINTS a worker: four shards, two after each other on each worker.
    ["gradient", 2 * MAX_SHARD_POINTS + 1, 1],
  ];
  it.each(cases)(
    "%s supervision, %i points, %i channels: three steps equal one session's",
    async (supervision, n, outputs) => {
      const { batch, options } = setup(supervision, n, outputs);
      const parallel = await createOnnxEngine(options);
      const single = await createOnnxEngine({ ...options, dataParallel: false });
      try {
        expect(parallel.description).toMatch(/data-parallel on 2 threads/);
        expect(single.description).not.toMatch(/data-parallel/);
        for (let step = 0; step < 3; step++) {
          const [a, b] = [await parallel.step(batch), await single.step(batch)];
          expect(Math.abs(a - b) / b).toBeLessThan(1e-5);
        }
        expect(relativeError(flat(await parallel.params()), flat(await single.params()))).toBeLessThan(1e-5);
        const [pa, pb] = [await parallel.optimizerState(), await single.optimizerState()];
        expect(pa.step).toBe(3);
        expect(relativeError(flat(pa.v), flat(pb.v))).toBeLessThan(1e-4);
      } finally {
        await Promise.all([parallel.dispose(), single.dispose()]);
      }
    },
  );

  it("predicts the same image, split among its workers", async () => {
    const { options, grid } = setup("value", 2 * MIN_SHARD_POINTS);
    const parallel = await createOnnxEngine(options);
    const single = await createOnnxEngine({ ...options, dataParallel: false });
    try {
      // Four shards (of at most MAX_SHARD_POINTS), two on each worker.
      const n = 3 * MAX_SHARD_POINTS + 5;
      const coords = grid.subarray(0, 2 * n);
      const [a, b] = [await parallel.predict(coords), await single.predict(coords)];
      expect(a.length).toBe(n);
      expect(relativeError(a, b)).toBeLessThan(1e-6);
    } finally {
      await Promise.all([parallel.dispose(), single.dispose()]);
    }
  });

  it("refuses a batch of the wrong size with the engine's message", async () => {
    const { options, batch } = setup("value", 2 * MIN_SHARD_POINTS);
    const parallel = await createOnnxEngine(options);
    try {
      const short = { coords: batch.coords.subarray(2), targets: { value: batch.targets.value.subarray(1) } };
      await expect(parallel.step(short)).rejects.toThrow(/engine built for batches of 4096 points, got 4095/);
    } finally {
      await parallel.dispose();
    }
  });
});
