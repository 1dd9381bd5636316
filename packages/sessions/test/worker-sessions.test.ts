import { Graph, GraphOps, graphToOnnx } from "@siren-onnx/onnx-graph";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { CPU_DEVICE } from "../src/devices.ts";
import { createSession, sharedSessionWorkers, startSessionWorker } from "../src/index.ts";

/** sin(x) · 2 over a [n] input: a small model with a serial kernel, as the step graphs have. */
function model(): Uint8Array {
  const g = new Graph("worker-test");
  const ops = new GraphOps(g);
  g.output(ops.scale(ops.unary("Sin", g.input("x", [-1])), 2), "y");
  return graphToOnnx(g);
}

describe("worker sessions", () => {
  it("run a model in a worker thread with the same outputs as a session on this thread", async () => {
    const bytes = model();
    const x = new ort.Tensor(
      "float32",
      Float32Array.from({ length: 1000 }, (_, i) => i / 100),
      [1000],
    );
    const worker = startSessionWorker();
    try {
      const remote = await worker.createSession(bytes);
      const local = await createSession(bytes, CPU_DEVICE);
      const [a, b] = [await remote.run({ x }), await local.run({ x })];
      expect(a.y.dims).toEqual([1000]);
      expect(Array.from(a.y.data as Float32Array)).toEqual(Array.from(b.y.data as Float32Array));
      // The feed was copied, not moved: it is still readable here.
      expect((x.data as Float32Array)[999]).toBeCloseTo(9.99, 5);
    } finally {
      await worker.terminate();
    }
  });

  it("turn a failed run into a rejected promise with onnxruntime's message, and keep working", async () => {
    const worker = startSessionWorker();
    try {
      const session = await worker.createSession(model());
      await expect(session.run({})).rejects.toThrow(/'x' is missing/);
      const out = await session.run({ x: new ort.Tensor("float32", Float32Array.of(0), [1]) });
      expect((out.y.data as Float32Array)[0]).toBe(0);
    } finally {
      await worker.terminate();
    }
  });

  it("reject a model that is not ONNX, and every call after the worker is terminated", async () => {
    const worker = startSessionWorker();
    await expect(worker.createSession(new Uint8Array([1, 2, 3]))).rejects.toThrow(/\S/);
    const session = await worker.createSession(model());
    await worker.terminate();
    await expect(session.run({ x: new ort.Tensor("float32", Float32Array.of(0), [1]) })).rejects.toThrow(/terminated/);
  });

  it("fail a run in flight, and the runs queued behind it, when the worker is terminated", async () => {
    const worker = startSessionWorker();
    const session = await worker.createSession(model());
    const x = new ort.Tensor("float32", new Float32Array(1 << 22).fill(1), [1 << 22]);
    const runs = [session.run({ x }), session.run({ x })].map((run) => expect(run).rejects.toThrow(/terminated/));
    await worker.terminate();
    expect(worker.alive).toBe(false);
    expect(session.alive).toBe(false);
    await Promise.all(runs);
  });

  it("post only the part of a larger buffer that a feed views", async () => {
    const worker = startSessionWorker();
    try {
      const session = await worker.createSession(model());
      const whole = Float32Array.from({ length: 100 }, (_, i) => i);
      const out = await session.run({ x: new ort.Tensor("float32", whole.subarray(10, 13), [3]) });
      expect(Array.from(out.y.data as Float32Array)).toEqual([10, 11, 12].map((v) => Math.fround(2 * Math.sin(v))));
      expect(whole.length).toBe(100); // the caller's buffer is neither moved nor changed
      expect(whole[10]).toBe(10);
    } finally {
      await worker.terminate();
    }
  });

  it("are shared by the process, and a stopped shared worker is replaced", async () => {
    const first = sharedSessionWorkers();
    expect(first.length).toBeGreaterThan(0);
    expect(sharedSessionWorkers()).toEqual(first);
    await first[0].terminate();
    const again = sharedSessionWorkers();
    expect(again[0]).not.toBe(first[0]);
    expect(again[0].alive).toBe(true);
    const session = await again[0].createSession(model());
    expect((await session.run({ x: new ort.Tensor("float32", Float32Array.of(0), [1]) })).y.dims).toEqual([1]);
  });
});
