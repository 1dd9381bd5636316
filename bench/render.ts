/**
 * Render speed of exported models: points/s and GFLOP/s of the image-only and derivative
 * graphs of a reference-size SIREN (2 -> 4 x 256 -> 1, random init) rendered in tiles through
 * the same renderValues the CLI uses, against a matmul-bound limit measured in the same run.
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Checkpoint,
  forwardFlopsPerPoint,
  layerShapes,
  type ModelSpec,
  SeededRandom,
  TRAINING_DOMAIN,
} from "@siren-onnx/core";
import { exportModelBytes, type GraphOptions } from "@siren-onnx/exporter";
import { Graph, GraphOps, graphToOnnx } from "@siren-onnx/onnx-graph";
import { DEFAULT_TILE_POINTS, loadRenderModel, renderValues } from "@siren-onnx/renderer";
import { sessionOptions } from "@siren-onnx/sessions";
import * as ort from "onnxruntime-node";
import { referenceCheckpoint, timeMedian } from "./support.ts";

/**
 * Matmul FLOPs per point of the derivative graph: the value stream runs through every layer,
 * and the d/dx, d/dy and Laplacian streams through every layer after the first (the first
 * layer's Jacobian is a constant).
 */
function derivativeFlopsPerPoint(spec: ModelSpec): number {
  const [out, inDim] = layerShapes(spec)[0];
  return forwardFlopsPerPoint(spec) + 3 * (forwardFlopsPerPoint(spec) - 2 * out * inDim);
}

/** GFLOP/s of one Gemm [points, 256] x [256, 256] + bias: the matmul-bound limit of these layers here. */
async function measureGemm(width: number, points: number): Promise<number> {
  const graph = new Graph("gemm");
  const ops = new GraphOps(graph);
  const rng = new SeededRandom(1);
  const x = graph.input("x", [-1, width]);
  const w = graph.initializer(
    "w",
    new Float32Array(width * width).map(() => rng.uniform(-0.1, 0.1)),
    [width, width],
  );
  const b = graph.initializer("b", new Float32Array(width), [width]);
  graph.output(ops.linear(x, w, b, 1), "y");
  const session = await ort.InferenceSession.create(graphToOnnx(graph), sessionOptions("cpu", { threads: 2 }));
  const feed = { x: new ort.Tensor("float32", new Float32Array(points * width).fill(0.5), [points, width]) };
  const ms = await timeMedian(() => session.run(feed), 7, 2);
  await session.release();
  return (2 * width * width * points) / (ms / 1000) / 1e9;
}

interface Row {
  model: string;
  size: number;
  tile: number;
  seconds: number;
  flopsPerPoint: number;
}

async function timeRender(
  dir: string,
  ckpt: Checkpoint,
  label: string,
  options: GraphOptions,
  size: number,
  tile: number,
): Promise<Row> {
  const path = join(dir, `${label}.onnx`);
  await writeFile(path, exportModelBytes(ckpt, options));
  const model = await loadRenderModel(path);
  try {
    const output = options.derivatives ? "laplacian" : "image";
    const request = { region: TRAINING_DOMAIN, output, tilePoints: tile } as const;
    await renderValues(model, { ...request, width: 128, height: 128 }); // warm-up: first-run allocations
    const start = performance.now();
    await renderValues(model, { ...request, width: size, height: size });
    const flops = options.derivatives ? derivativeFlopsPerPoint(ckpt.spec) : forwardFlopsPerPoint(ckpt.spec);
    return { model: label, size, tile, seconds: (performance.now() - start) / 1000, flopsPerPoint: flops };
  } finally {
    await model.dispose();
  }
}

export async function benchRender(): Promise<void> {
  const ckpt = referenceCheckpoint();
  const dir = await mkdtemp(join(tmpdir(), "siren-bench-render-"));
  try {
    const gemm = await measureGemm(ckpt.spec.width, 16384);
    console.log(`render: matmul-bound reference (one Gemm 16384x256x256, 2 threads): ${gemm.toFixed(1)} GFLOP/s`);
    const rows: Row[] = [];
    for (const size of [512, 1024]) {
      rows.push(await timeRender(dir, ckpt, "image", { derivatives: false }, size, DEFAULT_TILE_POINTS));
      rows.push(await timeRender(dir, ckpt, "deriv", { derivatives: true }, size, DEFAULT_TILE_POINTS));
    }
    // Variants at 512²: omega0 left in Gemm's alpha/beta, and other tile sizes.
    rows.push(
      await timeRender(
        dir,
        ckpt,
        "image, omega0 unfolded",
        { derivatives: false, foldOmega0: false },
        512,
        DEFAULT_TILE_POINTS,
      ),
    );
    for (const tile of [4096, 16384])
      rows.push(await timeRender(dir, ckpt, "image", { derivatives: false }, 512, tile));

    console.log("render: model                    size   tile    seconds  Mpoints/s  GFLOP/s  x matmul-bound");
    for (const r of rows) {
      const points = r.size * r.size;
      const gflops = (points * r.flopsPerPoint) / r.seconds / 1e9;
      console.log(
        `render: ${r.model.padEnd(24)} ${`${r.size}²`.padStart(5)} ${String(r.tile).padStart(6)} ${r.seconds.toFixed(2).padStart(10)} ${(points / r.seconds / 1e6).toFixed(2).padStart(10)} ${gflops.toFixed(1).padStart(8)} ${(gemm / gflops).toFixed(2).padStart(15)}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
