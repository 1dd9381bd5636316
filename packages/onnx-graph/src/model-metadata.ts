import {
  type Checkpoint,
  COORDINATE_CONVENTION,
  METADATA_KEYS,
  type ModelSpec,
  ONNX_INPUT,
  ONNX_OUTPUTS,
  type TrainingSummary,
  UserError,
  VALUE_CONVENTION,
  validateSpec,
} from "@siren-onnx/core";
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

/** The training image a model was fitted to. */
export interface SourceImage {
  width: number;
  height: number;
  channels: number;
  /** The image file name, when the trainer recorded it. */
  file?: string;
}

/** What an exported model says about itself (metadata_props plus the graph's interface). */
export interface ModelMetadata {
  spec: ModelSpec;
  /** Graph outputs in order: ["image"] or ["image", "gradient", "laplacian"]. */
  outputs: string[];
  hasDerivatives: boolean;
  channels: number;
  task: string;
  source: SourceImage;
  training: TrainingSummary;
  coordinates: string;
  values: string;
  producer: string;
  irVersion: number;
  opset: number;
}

const DERIVATIVE_OUTPUTS = [ONNX_OUTPUTS.gradient, ONNX_OUTPUTS.laplacian];

/** metadata_props of an exported model. */
export function metadataProps(ckpt: Checkpoint, outputs: readonly string[]): Record<string, string> {
  const t = ckpt.training;
  const source: SourceImage = { width: t.imageWidth, height: t.imageHeight, channels: t.channels };
  if (t.source !== undefined) source.file = t.source;
  return {
    [METADATA_KEYS.spec]: JSON.stringify(ckpt.spec),
    [METADATA_KEYS.outputs]: JSON.stringify(outputs),
    [METADATA_KEYS.coordinates]: COORDINATE_CONVENTION,
    [METADATA_KEYS.values]: VALUE_CONVENTION,
    [METADATA_KEYS.source]: JSON.stringify(source),
    [METADATA_KEYS.task]: t.task,
    [METADATA_KEYS.training]: JSON.stringify(t),
  };
}

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

function parseJson(text: string | undefined, key: string): unknown {
  if (text === undefined) throw new UserError(`model has no '${key}' metadata (not exported by siren export?)`);
  try {
    return JSON.parse(text);
  } catch {
    throw new UserError(`model metadata '${key}' is not valid JSON`);
  }
}

/**
 * Decodes an ONNX ModelProto and checks the siren-onnx contract: input `coords` float [N, 2],
 * output `image` float [N, C], optionally `gradient` [N, C, 2] and `laplacian` [N, C], and the
 * metadata written by the exporter. Every problem is a one-line UserError.
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
  let spec: ModelSpec;
  try {
    spec = validateSpec(parseJson(props.get(METADATA_KEYS.spec), METADATA_KEYS.spec));
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`model metadata '${METADATA_KEYS.spec}': ${(err as Error).message}`);
  }
  const channels = image.shape[1];
  if (channels !== spec.outputs) {
    throw new UserError(`model output '${ONNX_OUTPUTS.image}' has ${channels} channels, its spec says ${spec.outputs}`);
  }
  const listed = parseJson(props.get(METADATA_KEYS.outputs), METADATA_KEYS.outputs);
  if (JSON.stringify(listed) !== JSON.stringify(outputs)) {
    throw new UserError(
      `model metadata lists outputs ${JSON.stringify(listed)}, the graph has ${JSON.stringify(outputs)}`,
    );
  }
  const source = parseJson(props.get(METADATA_KEYS.source), METADATA_KEYS.source) as SourceImage;
  const training = parseJson(props.get(METADATA_KEYS.training), METADATA_KEYS.training) as TrainingSummary;
  if (typeof source !== "object" || source === null || typeof training !== "object" || training === null) {
    throw new UserError("model metadata: source and training must be JSON objects");
  }
  const opset = (model.opsetImport ?? []).find((o) => !o.domain);
  return {
    spec,
    outputs,
    hasDerivatives: present.length === 2,
    channels,
    task: props.get(METADATA_KEYS.task) ?? training.task ?? "",
    source,
    training,
    coordinates: props.get(METADATA_KEYS.coordinates) ?? "",
    values: props.get(METADATA_KEYS.values) ?? "",
    producer: `${model.producerName ?? ""} ${model.producerVersion ?? ""}`.trim(),
    irVersion,
    opset: toNumber(opset?.version),
  };
}
