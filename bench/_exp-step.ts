import { createSpec, initParams, regionGrid, type Supervision, TARGET_NAMES } from "@siren-onnx/core";
import { graphToOnnx } from "@siren-onnx/onnx-graph";
import { sessionOptions } from "@siren-onnx/sessions";
import { buildTrainingStepGraph, DEFAULT_ADAM } from "@siren-onnx/trainer";
import * as ort from "onnxruntime-node";
import { timeMedian } from "./support.ts";

const supervision = (process.argv[2] ?? "value") as Supervision;
const batch = Number(process.argv[3] ?? 65536);
const spec = createSpec("sine");
const graph = buildTrainingStepGraph(spec, supervision, batch, DEFAULT_ADAM);
const counts = new Map<string, number>();
for (const n of graph.nodes) counts.set(n.op, (counts.get(n.op) ?? 0) + 1);
console.log([...counts].map(([k, v]) => `${k}:${v}`).join(" "));
const bytes = graphToOnnx(graph);
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
const variants: Record<string, ort.InferenceSession.SessionOptions> = {
  base: sessionOptions("cpu"),
  parallel2: { ...sessionOptions("cpu"), executionMode: "parallel", interOpNumThreads: 2 },
  parallel2intra1: { ...sessionOptions("cpu"), executionMode: "parallel", interOpNumThreads: 2, intraOpNumThreads: 1 },
};
for (const [name, opts] of Object.entries(variants)) {
  const s = await ort.InferenceSession.create(bytes, opts);
  const ms = await timeMedian(() => s.run(feeds), 5, 2);
  console.log(name, ms.toFixed(0));
  await s.release();
}
