/**
 * `pnpm bench:profile`: where the time of one training step goes, by ONNX operator type
 * (onnxruntime's own profiler), for the reference SIREN. Usage: [value|gradient|laplacian] [batch]
 */

import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { createSpec, initParams, regionGrid, type Supervision, TARGET_NAMES } from "@siren-onnx/core";
import { graphToOnnx } from "@siren-onnx/onnx-graph";
import { sessionOptions } from "@siren-onnx/sessions";
import { buildTrainingStepGraph, DEFAULT_ADAM } from "@siren-onnx/trainer";
import * as ort from "onnxruntime-node";

const supervision = (process.argv[2] ?? "value") as Supervision;
const batch = Number(process.argv[3] ?? 16_384);
const spec = createSpec("sine");
const graph = buildTrainingStepGraph(spec, supervision, batch, DEFAULT_ADAM);
const session = await ort.InferenceSession.create(graphToOnnx(graph), {
  ...sessionOptions("cpu"),
  enableProfiling: true,
  profileFilePrefix: "/tmp/siren-step-profile",
});
const feeds: Record<string, ort.Tensor> = {
  coords: new ort.Tensor(
    "float32",
    regionGrid(256, 256)
      .subarray(0, 2 * batch)
      .slice(),
    [batch, 2],
  ),
  "adam.step_size": new ort.Tensor("float32", Float32Array.of(1e-4), []),
  "adam.v_scale": new ort.Tensor("float32", Float32Array.of(1), []),
};
for (const name of TARGET_NAMES[supervision])
  feeds[`target.${name}`] = new ort.Tensor("float32", new Float32Array(batch).fill(0.1), [batch, 1]);
initParams(spec, 0).forEach((l, i) => {
  for (const [key, data, dims] of [
    ["weight", l.weight, [l.out, l.in]],
    ["bias", l.bias, [l.out]],
  ] as const) {
    const name = `layers.${i}.${key}`;
    feeds[name] = new ort.Tensor("float32", data, dims);
    feeds[`adam.m.${name}`] = new ort.Tensor("float32", new Float32Array(data.length), dims);
    feeds[`adam.v.${name}`] = new ort.Tensor("float32", new Float32Array(data.length), dims);
  }
});
for (let i = 0; i < 4; i++) await session.run(feeds);
session.endProfiling();
// The JS API does not return the profile's name: take the newest file with our prefix.
const profiles = (await readdir("/tmp")).filter((f) => f.startsWith("siren-step-profile")).sort();
const file = join("/tmp", profiles[profiles.length - 1]);
const events = JSON.parse(await readFile(file, "utf8")) as Array<{
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}>;
await rm(file, { force: true });
// Gemm is split by its transpose flags: the weight-gradient products (transA) have N as inner dimension.
const gemmKind = new Map(
  graph.nodes
    .filter((n) => n.op === "Gemm")
    .map((n) => {
      const flag = (k: string) => (n.attributes[k] as { int: number } | undefined)?.int ?? 0;
      return [n.name, `Gemm ${flag("transA") ? "T" : "N"}${flag("transB") ? "T" : "N"}`];
    }),
);
const byOp = new Map<string, number>();
let total = 0;
for (const e of events) {
  if (e.cat !== "Node" || !e.name.endsWith("_kernel_time")) continue;
  const node = e.name.replace(/_kernel_time$/, "");
  const op = gemmKind.get(node) ?? e.args?.op_name ?? "?";
  byOp.set(op, (byOp.get(op) ?? 0) + e.dur / 4);
  total += e.dur / 4;
}
console.log(
  `${supervision} step, batch ${batch}: ${graph.nodes.length} nodes, ${(total / 1000).toFixed(0)} ms of kernel time per step`,
);
for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1])) {
  console.log(
    `  ${op.padEnd(12)} ${(us / 1000).toFixed(1).padStart(8)} ms  ${((100 * us) / total).toFixed(1).padStart(5)}%`,
  );
}
