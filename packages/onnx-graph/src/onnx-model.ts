import { ONNX_IR_VERSION, ONNX_OPSET, PRODUCER_NAME, PRODUCER_VERSION } from "@siren-onnx/core";
import onnxProto from "onnx-proto";
import type { Graph, Value } from "./graph.ts";

const { onnx } = onnxProto;

export interface ModelOptions {
  /** key -> value strings stored in ModelProto.metadata_props. */
  metadata?: Record<string, string>;
  docString?: string;
}

function valueInfo(v: Value, dynamicName = "N") {
  return onnx.ValueInfoProto.create({
    name: v.name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: v.shape.map((d) => (d < 0 ? { dimParam: dynamicName } : { dimValue: d })) },
      },
    },
  });
}

function attribute(name: string, a: { int: number } | { float: number } | { ints: number[] }) {
  const T = onnx.AttributeProto.AttributeType;
  if ("int" in a) return onnx.AttributeProto.create({ name, type: T.INT, i: a.int });
  if ("float" in a) return onnx.AttributeProto.create({ name, type: T.FLOAT, f: a.float });
  return onnx.AttributeProto.create({ name, type: T.INTS, ints: a.ints });
}

/** Serialises a graph as an ONNX ModelProto (IR 8, opset 17). */
export function graphToOnnx(graph: Graph, options: ModelOptions = {}): Uint8Array {
  const initializer = [...graph.initializers.values()].map(({ value, data }) =>
    onnx.TensorProto.create({
      name: value.name,
      dims: [...value.shape],
      dataType: data instanceof Float32Array ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    }),
  );
  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: "", version: ONNX_OPSET }],
    producerName: PRODUCER_NAME,
    producerVersion: PRODUCER_VERSION,
    docString: options.docString ?? "",
    graph: {
      name: graph.name,
      node: graph.nodes.map((n) =>
        onnx.NodeProto.create({
          name: n.name,
          opType: n.op,
          input: n.inputs.map((i) => i.name),
          output: [n.output.name],
          attribute: Object.entries(n.attributes).map(([k, a]) => attribute(k, a)),
        }),
      ),
      initializer,
      input: graph.inputs.map((v) => valueInfo(v)),
      output: graph.outputs.map((v) => valueInfo(v)),
    },
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}
