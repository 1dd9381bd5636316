import { type ModelMetadata, ONNX_INPUT, ONNX_OUTPUTS, parseModelMetadata, UserError } from "@siren-onnx/core";
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

const DERIVATIVE_OUTPUTS = [ONNX_OUTPUTS.gradient, ONNX_OUTPUTS.laplacian];

type Long = { toNumber(): number };
const toNumber = (v: number | Long | null | undefined) => (v == null ? 0 : typeof v === "number" ? v : v.toNumber());

/** Element type and shape of a graph input or output (-1 for a symbolic dimension). */
function tensorInfo(v: InstanceType<typeof onnx.ValueInfoProto>): { elemType: number; shape: number[] } {
  const t = v.type?.tensorType;
  return {
    elemType: t?.elemType ?? 0,
    shape: (t?.shape?.dim ?? []).map((d) => (d.dimValue != null && !d.dimParam ? toNumber(d.dimValue) : -1)),
  };
}

/**
 * Decodes an ONNX ModelProto and checks the siren-onnx contract: input `coords` float [N, 2],
 * output `image` float [N, C], optionally `gradient` [N, C, 2] and `laplacian` [N, C], and the
 * metadata written by the exporter (checked by core's parseModelMetadata). Every problem is a one-line UserError.
 */
export function readModelMetadata(bytes: Uint8Array): ModelMetadata {
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch {
    throw new UserError("not an ONNX model (the file does not decode as an ONNX ModelProto)");
  }
  const graph = model.graph;
  const irVersion = toNumber(model.irVersion);
  if (bytes.length === 0 || !graph || irVersion < 1 || !graph.node?.length) {
    throw new UserError("not an ONNX model (no IR version or no graph)");
  }
  const float = onnx.TensorProto.DataType.FLOAT;
  const graphOutputs = graph.output ?? [];
  const input = (graph.input ?? []).find((i) => i.name === ONNX_INPUT);
  const inputInfo = input && tensorInfo(input as InstanceType<typeof onnx.ValueInfoProto>);
  if (!inputInfo || inputInfo.elemType !== float || inputInfo.shape.length !== 2 || inputInfo.shape[1] !== 2) {
    throw new UserError(`model has no input '${ONNX_INPUT}' of type float [N, 2] (not a siren-onnx model?)`);
  }
  const outputs = graphOutputs.map((o) => o.name ?? "");
  const outputShape = (name: string) => {
    const o = graphOutputs.find((v) => v.name === name);
    return o ? tensorInfo(o as InstanceType<typeof onnx.ValueInfoProto>) : undefined;
  };
  const image = outputShape(ONNX_OUTPUTS.image);
  if (!image || image.elemType !== float || image.shape.length !== 2) {
    throw new UserError(`model has no output '${ONNX_OUTPUTS.image}' of type float [N, C] (not a siren-onnx model?)`);
  }
  const present = DERIVATIVE_OUTPUTS.filter((name) => outputs.includes(name));
  if (present.length === 1) {
    throw new UserError(`model has output '${present[0]}' but not its companion (needs both gradient and laplacian)`);
  }
  const gradient = outputShape(ONNX_OUTPUTS.gradient);
  const laplacian = outputShape(ONNX_OUTPUTS.laplacian);
  if (gradient && (gradient.shape.length !== 3 || gradient.shape[2] !== 2 || laplacian?.shape.length !== 2)) {
    throw new UserError("model outputs 'gradient' and 'laplacian' must be [N, C, 2] and [N, C]");
  }
  const props = new Map((model.metadataProps ?? []).map((p) => [p.key ?? "", p.value ?? ""]));
  const opset = (model.opsetImport ?? []).find((o) => !o.domain);
  return parseModelMetadata(props, {
    outputs,
    channels: image.shape[1],
    hasDerivatives: present.length === 2,
    producer: `${model.producerName ?? ""} ${model.producerVersion ?? ""}`.trim(),
    irVersion,
    opset: toNumber(opset?.version),
  });
}
