import { Graph, GraphOps, graphToOnnx } from "@siren-onnx/onnx-graph";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { CPU_DEVICE } from "../src/devices.ts";
import { createSession, startSessionWorker } from "../src/index.ts";

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
});
