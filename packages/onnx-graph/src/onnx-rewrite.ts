/**
 * Rewrites of serialised models for runtimes that lack a kernel or compute one poorly
 * (WebGPU): plain ONNX in, ONNX out, so the browser viewer's server and the Node sessions
 * share them.
 */
import onnxProto from "onnx-proto";
import { type Attribute, Graph, type Shape, type Value } from "./graph.ts";
import { lowerTrig } from "./lower-trig.ts";
import { graphToOnnx } from "./onnx-model.ts";

const { onnx } = onnxProto;

/**
 * onnxruntime's WebGPU provider has no Round or Sign kernel (1.30): they ran on the CPU, with a
 * GPU-CPU copy of the activations each way, once per sine layer (lowerTrig uses both). They are
 * rewritten into element-wise operators it does have:
 *
 * - Round(x) = (x + 1.5·2²³) − 1.5·2²³: adding the constant leaves no fraction bits, so float32
 *   rounding does the rounding, half to even as ONNX Round; exact for |x| ≤ 2²².
 * - Sign(x) = Clip(x · 2¹⁰⁰, −1, 1): exact for |x| ≥ 2⁻¹⁰⁰, and 0 at 0 (GPUs flush denormals anyway).
 */
export function webgpuCompatibleModel(bytes: Uint8Array): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph?.node?.some((n) => n.opType === "Round" || n.opType === "Sign")) return bytes;
  const used = new Set<string>();
  for (const n of graph.node)
    for (const name of [...(n.input ?? []), ...(n.output ?? []), n.name ?? ""]) used.add(name);
  for (const i of graph.initializer ?? []) used.add(i.name ?? "");
  for (const v of [...(graph.input ?? []), ...(graph.output ?? [])]) used.add(v.name ?? "");
  let counter = 0;
  const fresh = (base: string) => {
    let name = `${base}_webgpu`;
    while (used.has(name)) name = `${base}_webgpu_${++counter}`;
    used.add(name);
    return name;
  };
  const constants = new Map<number, string>();
  const constant = (v: number) => {
    let name = constants.get(v);
    if (!name) {
      name = fresh(`webgpu_const_${constants.size}`);
      const data = Float32Array.of(v);
      graph.initializer = [
        ...(graph.initializer ?? []),
        onnx.TensorProto.create({
          name,
          dims: [],
          dataType: onnx.TensorProto.DataType.FLOAT,
          rawData: new Uint8Array(data.buffer),
        }),
      ];
      constants.set(v, name);
    }
    return name;
  };
  const node = (op: string, input: string[], output: string) =>
    onnx.NodeProto.create({ name: fresh(`${output}_${op}`), opType: op, input, output: [output] });
  const nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  for (const n of graph.node) {
    const [x] = n.input ?? [];
    const [y] = n.output ?? [];
    if (n.opType === "Round") {
      const shifted = fresh(`${y}_shifted`);
      nodes.push(node("Add", [x, constant(12582912)], shifted), node("Sub", [shifted, constant(12582912)], y));
    } else if (n.opType === "Sign") {
      const scaled = fresh(`${y}_scaled`);
      nodes.push(node("Mul", [x, constant(2 ** 100)], scaled), node("Clip", [scaled, constant(-1), constant(1)], y));
    } else nodes.push(n as InstanceType<typeof onnx.NodeProto>);
  }
  graph.node = nodes;
  return onnx.ModelProto.encode(model).finish();
}

/**
 * WebGPU's native sin is about 2e-4 accurate (and only in [-pi, pi]): a model with Sin or Cos
 * nodes (an export with trig "native") is re-serialised with lowerTrig for WebGPU. The
 * graphs this project writes use only float32 / int64 tensors and int, float and ints attributes;
 * anything else is left as it is.
 */
export function withPolynomialTrig(bytes: Uint8Array): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  if (!model.graph?.node?.some((n) => n.opType === "Sin" || n.opType === "Cos")) return bytes;
  const graph = onnxToGraph(model);
  return graph ? graphToOnnx(lowerTrig(graph), { docString: model.docString ?? "" }) : bytes;
}

type ModelProto = InstanceType<typeof onnx.ModelProto>;

/** The graph of a ModelProto in the graph IR (intermediate shapes unknown: []), or undefined. */
function onnxToGraph(model: ModelProto): Graph | undefined {
  const g = model.graph;
  if (!g) return undefined;
  const T = onnx.TensorProto.DataType;
  const A = onnx.AttributeProto.AttributeType;
  const graph = new Graph(g.name ?? "graph");
  const values = new Map<string, Value>();
  const shapeOf = (v: onnxProto.onnx.IValueInfoProto): Shape =>
    (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimValue == null || d.dimParam ? -1 : Number(d.dimValue)));
  for (const t of g.initializer ?? []) {
    const dims = (t.dims ?? []).map(Number);
    // A copy (protobufjs gives Buffer views into a pool) starts at offset 0: aligned, and exactly the data.
    const raw = t.rawData?.length ? new Uint8Array(t.rawData).buffer : undefined;
    let data: Float32Array | BigInt64Array;
    if (t.dataType === T.FLOAT) data = raw ? new Float32Array(raw) : Float32Array.from(t.floatData ?? []);
    else if (t.dataType === T.INT64) {
      data = raw ? new BigInt64Array(raw) : BigInt64Array.from((t.int64Data ?? []).map((v) => BigInt(String(v))));
    } else return undefined;
    values.set(t.name ?? "", graph.initializer(t.name ?? "", data, dims));
  }
  for (const v of g.input ?? []) {
    if (!values.has(v.name ?? "")) values.set(v.name ?? "", graph.input(v.name ?? "", shapeOf(v)));
  }
  const outputs = new Map((g.output ?? []).map((v) => [v.name ?? "", shapeOf(v)]));
  // Intermediate values get a prefix: names that Graph generates cannot collide with them.
  const value = (name: string) => {
    let v = values.get(name);
    if (!v) {
      v = { name: outputs.has(name) ? name : `onnx/${name}`, shape: outputs.get(name) ?? [] };
      values.set(name, v);
    }
    return v;
  };
  for (const n of g.node ?? []) {
    if ((n.output ?? []).length !== 1 || (n.domain ?? "") !== "") return undefined;
    const attributes: Record<string, Attribute> = {};
    for (const a of n.attribute ?? []) {
      if (a.type === A.INT) attributes[a.name ?? ""] = { int: Number(a.i) };
      else if (a.type === A.FLOAT) attributes[a.name ?? ""] = { float: a.f ?? 0 };
      else if (a.type === A.INTS) attributes[a.name ?? ""] = { ints: (a.ints ?? []).map(Number) };
      else return undefined;
    }
    graph.nodes.push({
      name: n.name ?? "",
      op: n.opType ?? "",
      inputs: (n.input ?? []).map(value),
      output: value(n.output![0]),
      attributes,
    });
  }
  for (const name of outputs.keys()) graph.outputs.push(value(name));
  return graph;
}
