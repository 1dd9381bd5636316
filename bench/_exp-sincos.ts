import { Graph, GraphOps, graphToOnnx } from "@siren-onnx/onnx-graph";
import { sessionOptions } from "@siren-onnx/sessions";
import * as ort from "onnxruntime-node";
import { timeMedian } from "./support.ts";

const N = 65536 * 256;
const x = new Float32Array(N);
for (let i = 0; i < N; i++) x[i] = (Math.random() - 0.5) * 60;
for (const op of ["Sin", "Cos", "Sin", "Cos", "Tanh", "Relu", "Add"]) {
  const g = new Graph("u");
  const ops = new GraphOps(g);
  const xi = g.input("x", [N]);
  const y = op === "Add" ? g.node("Add", [xi, g.scalar(1)], [N]) : g.node(op, [xi], [N]);
  g.output(ops.reduceSum(y, [0], 1), "y");
  const s = await ort.InferenceSession.create(graphToOnnx(g), sessionOptions("cpu"));
  const feeds = { x: new ort.Tensor("float32", x, [N]) };
  console.log(op, (await timeMedian(() => s.run(feeds), 7, 2)).toFixed(1), "ms");
}
