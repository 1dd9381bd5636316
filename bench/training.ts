import { createSpec, forwardFlopsPerPoint, initParams, regionGrid } from "@siren-onnx/core";
import { Graph, GraphOps, graphToOnnx } from "@siren-onnx/onnx-graph";
import { sessionOptions } from "@siren-onnx/sessions";
import { createEngine, DEFAULT_ADAM, type EngineName } from "@siren-onnx/trainer";
import * as ort from "onnxruntime-node";
import { fmt, runTorch, TCMALLOC, timeMedian, torchAvailable } from "./support.ts";

const SIZE = 256;
const N = SIZE * SIZE;

/** GFLOP/s of one large Gemm in onnxruntime: the machine's matmul-bound reference in this process. */
async function matmulReference(): Promise<number> {
  const g = new Graph("matmul");
  const ops = new GraphOps(g);
  const x = g.input("x", [N, 256]);
  const w = g.input("w", [256, 256]);
  // A small output: returning the 64 MB product would time its allocation and copy, not the Gemm.
  g.output(ops.reduceSum(ops.linear(x, w, null, 1), [0], 1), "y");
  const session = await ort.InferenceSession.create(graphToOnnx(g), sessionOptions("cpu"));
  const feeds = {
    x: new ort.Tensor("float32", new Float32Array(N * 256).fill(0.5), [N, 256]),
    w: new ort.Tensor("float32", new Float32Array(256 * 256).fill(0.01), [256, 256]),
  };
  const ms = await timeMedian(() => session.run(feeds), 7, 2);
  return (2 * N * 256 * 256) / (ms * 1e6);
}

async function stepTime(engine: EngineName, batch: number, runs: number, warmup: number): Promise<number> {
  const spec = createSpec("sine");
  const eng = await createEngine(engine, {
    spec,
    params: initParams(spec, 0),
    supervision: "value",
    batchSize: batch,
    adam: DEFAULT_ADAM,
  });
  const coords = regionGrid(SIZE, SIZE).subarray(0, 2 * batch);
  const value = coords.filter((_, i) => i % 2 === 0).map((x) => Math.sin(3 * x));
  try {
    return await timeMedian(() => eng.step({ coords, targets: { value } }), runs, warmup);
  } finally {
    await eng.dispose();
  }
}

export async function benchTraining(options: { tfjs: boolean; torch: boolean }): Promise<void> {
  const spec = createSpec("sine");
  const stepFlops = 3 * forwardFlopsPerPoint(spec) * N; // forward + two backward matmuls per layer
  console.log(
    `\n## Training: reference SIREN 2->4x256->1 on ${SIZE}x${SIZE} grayscale (${(stepFlops / 1e9).toFixed(1)} GFLOP per full-batch step)`,
  );
  const peak = await matmulReference();
  console.log(`onnxruntime single Gemm [${N}x256]x[256x256]:     ${peak.toFixed(0)} GFLOP/s (matmul-bound reference)`);

  const eng = await createEngine("onnxruntime", {
    spec,
    params: initParams(spec, 0),
    supervision: "value",
    batchSize: 1,
    adam: DEFAULT_ADAM,
  });
  const grid = regionGrid(SIZE, SIZE);
  const forward = await timeMedian(() => eng.predict(grid), 5, 1);
  await eng.dispose();
  const full = await stepTime("onnxruntime", N, 5, 2);
  const batch = await stepTime("onnxruntime", 16_384, 7, 2);
  const gflops = stepFlops / (full * 1e6);
  console.log(`onnxruntime forward pass, ${N} points:         ${fmt(forward)}  (the floor)`);
  console.log(
    `onnxruntime training step, full batch:          ${fmt(full)}  ${gflops.toFixed(0)} GFLOP/s = ${((100 * gflops) / peak).toFixed(0)}% of the Gemm reference`,
  );
  console.log(`onnxruntime training step, batch 16384:         ${fmt(batch)}`);
  if (options.tfjs) {
    const tf = await stepTime("tfjs", 16_384, 1, 1);
    console.log(
      `tfjs training step, batch 16384:                ${fmt(tf)}  (onnxruntime is ${(tf / batch).toFixed(1)}x faster)`,
    );
  }
  if (!options.torch) return;
  if (!torchAvailable()) {
    console.log(
      "PyTorch comparison skipped: install Debian's python3-torch (plus libopenblas0-pthread and libtcmalloc-minimal4) to enable it",
    );
    return;
  }
  for await (const line of runTorch(["speed", String(SIZE)])) {
    const t = line.msPerStep as Record<string, number>;
    console.log(
      `PyTorch CPU (${TCMALLOC ? "tcmalloc" : "default malloc"}) step, full batch:       ${fmt(t.full)}  -> onnxruntime/PyTorch = ${(full / t.full).toFixed(2)} (target <= 0.8)`,
    );
    console.log(
      `PyTorch CPU step, batch 16384:                   ${fmt(t["16384"])}  -> ratio ${(batch / t["16384"]).toFixed(2)}`,
    );
    console.log(`PyTorch forward pass:                            ${fmt(t.forward)}`);
  }
}
