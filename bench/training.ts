import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSpec, initParams, regionGrid, type Supervision, TARGET_NAMES } from "@siren-onnx/core";
import { Graph, GraphOps, graphToOnnx } from "@siren-onnx/onnx-graph";
import { sessionOptions } from "@siren-onnx/sessions";
import { buildTrainingStepGraph, createEngine, DEFAULT_ADAM, type EngineName } from "@siren-onnx/trainer";
import * as ort from "onnxruntime-node";
import { BLAS_CONFIGS, fmt, runTorch, TCMALLOC, TORCH_STEPS_SCRIPT, timeMedian, torchAvailable } from "./support.ts";

const SIZE = 256;
const N = SIZE * SIZE;

/** The workloads of issue 9's CPU targets, named as bench/gpu_anchor.py names them. */
const WORKLOADS: { supervision: Supervision; batch: number; target: number }[] = [
  { supervision: "value", batch: N, target: 0.8 },
  { supervision: "value", batch: 16_384, target: 0.6 },
  { supervision: "gradient", batch: 16_384, target: 0.5 },
  { supervision: "laplacian", batch: 16_384, target: 0.5 },
];
const workloadName = (w: { supervision: Supervision; batch: number }) => `${w.supervision} step, batch ${w.batch}`;

/** GFLOP/s of one large Gemm in onnxruntime: the matmul-bound reference in this process. */
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

/** The matrix-product work of a graph: 2·M·K·N summed over its Gemm nodes (the shapes are static). */
export function gemmFlops(graph: Graph): number {
  let flops = 0;
  for (const node of graph.nodes) {
    if (node.op !== "Gemm") continue;
    const transA = (node.attributes.transA as { int: number } | undefined)?.int === 1;
    const [a] = node.inputs;
    const m = Number(transA ? a.shape[1] : a.shape[0]);
    const k = Number(transA ? a.shape[0] : a.shape[1]);
    flops += 2 * m * k * Number(node.output.shape[1]);
  }
  return flops;
}

async function stepTime(
  engine: EngineName,
  supervision: Supervision,
  batch: number,
  runs: number,
  dataParallel = true,
): Promise<number> {
  const spec = createSpec("sine");
  const eng = await createEngine(engine, {
    spec,
    params: initParams(spec, 0),
    supervision,
    batchSize: batch,
    adam: DEFAULT_ADAM,
    dataParallel,
  });
  const coords = regionGrid(SIZE, SIZE).subarray(0, 2 * batch);
  const x = coords.filter((_, i) => i % 2 === 0);
  const targets = Object.fromEntries(
    TARGET_NAMES[supervision].map((name) => [name, x.map((v) => 0.5 * Math.sin(3 * v))]),
  );
  try {
    return await timeMedian(() => eng.step({ coords, targets }), runs, 2);
  } finally {
    await eng.dispose();
  }
}

interface TorchFigures {
  label: string;
  ms: Map<string, number>;
  sgemm: number;
}

/** PyTorch's step times (gpu_anchor.py, CPU) and sgemm peak in one BLAS configuration. */
async function torchFigures(config: (typeof BLAS_CONFIGS)[number]): Promise<TorchFigures> {
  const dir = await mkdtemp(join(tmpdir(), "siren-torch-"));
  try {
    const out = join(dir, "torch.json");
    for await (const _ of runTorch(["bench", "cpu", out], {
      script: TORCH_STEPS_SCRIPT,
      unset: config.unset,
      quiet: true,
    }));
    const rows = (JSON.parse(await readFile(out, "utf8")) as { rows: { workload: string; ms: number }[] }).rows;
    let sgemm = 0;
    for await (const line of runTorch(["sgemm"], { unset: config.unset })) {
      sgemm = Math.max(...Object.values(line.gflops as Record<string, number>));
    }
    return { label: config.label, ms: new Map(rows.map((r) => [r.workload, r.ms])), sgemm };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchTraining(options: { tfjs: boolean; torch: boolean }): Promise<void> {
  const spec = createSpec("sine");
  const flops = new Map(
    WORKLOADS.map((w) => [
      workloadName(w),
      gemmFlops(buildTrainingStepGraph(spec, w.supervision, w.batch, DEFAULT_ADAM)),
    ]),
  );
  const fullFlops = flops.get(workloadName(WORKLOADS[0]))!;
  console.log(
    `\n## Training: reference SIREN 2->4x256->1 on ${SIZE}x${SIZE} grayscale (${(fullFlops / 1e9).toFixed(1)} GFLOP of Gemm per full-batch step)`,
  );
  const gemmReference = await matmulReference();
  console.log(
    `onnxruntime single Gemm [${N}x256]x[256x256]: ${gemmReference.toFixed(0)} GFLOP/s (matmul-bound reference)`,
  );

  // The forward pass: the engine's predict, data-parallel (its default on the CPU) and in one session.
  const forward = new Map<boolean, number>();
  for (const dataParallel of [true, false]) {
    const eng = await createEngine("onnxruntime", {
      spec,
      params: initParams(spec, 0),
      supervision: "value",
      batchSize: 16_384,
      adam: DEFAULT_ADAM,
      dataParallel,
    });
    forward.set(dataParallel, await timeMedian(() => eng.predict(regionGrid(SIZE, SIZE)), 5, 1));
    await eng.dispose();
  }
  console.log(
    `onnxruntime forward pass, ${N} points: ${fmt(forward.get(true)!)} data-parallel, ${fmt(forward.get(false)!)} in one session (the floor)`,
  );

  const ours = new Map<string, { ms: number; gflops: number }>();
  for (const w of WORKLOADS) {
    const runs = w.batch === N ? 5 : 7;
    const ms = await stepTime("onnxruntime", w.supervision, w.batch, runs);
    const single = await stepTime("onnxruntime", w.supervision, w.batch, runs, false);
    const gflops = flops.get(workloadName(w))! / (ms * 1e6);
    ours.set(workloadName(w), { ms, gflops });
    console.log(
      `onnxruntime ${workloadName(w).padEnd(28)} ${fmt(ms)}  ${gflops.toFixed(0)} GFLOP/s of Gemm = ${((100 * gflops) / gemmReference).toFixed(0)}% of the Gemm reference; one session with every thread: ${fmt(single)} (data-parallel is ${(single / ms).toFixed(2)}x faster)`,
    );
  }
  if (options.tfjs) {
    const tf = await stepTime("tfjs", "value", 16_384, 1);
    const batch = ours.get(workloadName(WORKLOADS[1]))!.ms;
    console.log(`tfjs value step, batch 16384:  ${fmt(tf)}  (onnxruntime is ${(tf / batch).toFixed(1)}x faster)`);
  }
  if (!options.torch) return;
  if (!torchAvailable()) {
    console.log(
      "PyTorch comparison skipped: install Debian's python3-torch (plus libopenblas0-pthread and libtcmalloc-minimal4) to enable it",
    );
    return;
  }
  const torch: TorchFigures[] = [];
  for (const config of BLAS_CONFIGS) torch.push(await torchFigures(config));
  const peak = Math.max(...torch.map((t) => t.sgemm));
  console.log(
    `\nPyTorch 1.x CPU (${TCMALLOC ? "tcmalloc" : "default malloc"}), sgemm peak: ${torch.map((t) => `${t.sgemm.toFixed(0)} GFLOP/s with the ${t.label}`).join(", ")}`,
  );
  console.log(
    `The machine's measured sgemm peak: ${peak.toFixed(0)} GFLOP/s (onnxruntime's Gemm reaches ${((100 * gemmReference) / peak).toFixed(0)}% of it)`,
  );
  console.log(
    `\n| workload | siren-onnx | ${torch.map((t) => `PyTorch, ${t.label}`).join(" | ")} | ratio to the faster | target | of the sgemm peak |`,
  );
  console.log(`|---|---:|${torch.map(() => "---:|").join("")}---:|---:|---:|`);
  for (const w of WORKLOADS) {
    const name = workloadName(w);
    const o = ours.get(name)!;
    const theirs = torch.map((t) => t.ms.get(name) ?? Number.NaN);
    const ratio = o.ms / Math.min(...theirs);
    console.log(
      `| ${name} | ${o.ms.toFixed(0)} ms | ${theirs.map((ms) => `${ms.toFixed(0)} ms`).join(" | ")} | ${ratio.toFixed(2)} | ≤ ${w.target} (${ratio <= w.target ? "met" : "not met"}) | ${((100 * o.gflops) / peak).toFixed(0)}% |`,
    );
  }
}
