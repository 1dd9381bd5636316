/**
 * The written contract shared by the trainer, the exporter, the renderer, the viewer and the
 * study: ONNX tensor names, model and run-folder file names, and the metadata an exported
 * model carries about itself, validated on reading. Pure TypeScript (no Node APIs), so the
 * browser viewer uses it too. Which model file renders which output is render-outputs.ts's
 * modelFileFor.
 */
import { type Checkpoint, type TrainingSummary, validateTrainingSummary } from "./checkpoint.ts";
import { UserError } from "./errors.ts";
import { type ModelSpec, validateSpec } from "./model-spec.ts";

/** Names shared by the trainer, the exporter, the renderer and the viewer: the public ONNX contract. */
export const ONNX_INPUT = "coords";
export const ONNX_OUTPUTS = { image: "image", gradient: "gradient", laplacian: "laplacian" } as const;
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;
export const PRODUCER_NAME = "siren-onnx";
export const PRODUCER_VERSION = "0.1.0";

/** The file name suffixes of the two models written per checkpoint: `<name>.onnx` (image only) and `<name>.deriv.onnx` (image, gradient, laplacian). */
export const IMAGE_MODEL_SUFFIX = ".onnx";
export const DERIVATIVE_MODEL_SUFFIX = ".deriv.onnx";

/** A model file's path without its suffix: `a/b.onnx` and `a/b.deriv.onnx` -> `a/b` (other names unchanged). */
export function modelBaseName(path: string): string {
  return path.replace(/(\.deriv)?\.onnx$/, "");
}

/** The two model files of a base name (see modelBaseName). */
export function modelFilePaths(base: string): { image: string; derivatives: string } {
  return { image: base + IMAGE_MODEL_SUFFIX, derivatives: base + DERIVATIVE_MODEL_SUFFIX };
}

export function isDerivativeModelFile(file: string): boolean {
  return file.endsWith(DERIVATIVE_MODEL_SUFFIX);
}

/** The files of a run directory (the public interface of `siren train`). */
export const RUN_FILES = {
  checkpoint: "checkpoint.safetensors",
  metrics: "metrics.json",
  reconstruction: "reconstruction.png",
  curves: "curves.svg",
  /** The weights after the last step and Adam's state, for `siren train --resume`. */
  optimizer: "optimizer.safetensors",
} as const;

/** One evaluation in a run's history: the step, the loss and the task's metrics (psnr, psnrAffine, ...). */
export interface RunHistoryEntry {
  step: number;
  loss: number;
  psnr?: number;
  [metric: string]: number | undefined;
}

/**
 * A run folder's metrics.json, as the trainer writes it and `--resume` and the study read it.
 * `Settings` is the trainer's RunSettings (the resolved options `--resume` rebuilds a run from).
 */
export interface RunMetrics<Settings = Record<string, unknown>> {
  task: string;
  /** The model's label (e.g. "siren", "relu-pe"). */
  model: string;
  engine: string;
  steps: number;
  stepsRequested: number;
  /** Present (true) when the run was stopped before its steps were done. */
  stopped?: true;
  lr: number;
  schedule: string;
  batch: number | "full";
  seed: number;
  /** Final PSNR in dB over all pixels, values mapped to [0, 1]. */
  psnr: number;
  bestStep: number;
  finalLoss: number;
  msPerStep: number;
  seconds: number;
  image: { width: number; height: number; channels: number; source?: string };
  spec: ModelSpec;
  taskSettings: Record<string, unknown>;
  settings: Settings;
  history: RunHistoryEntry[];
  /** The task's other metrics, beside psnr (psnrAffine, psnrUnseen, psnrKnown, ...). */
  [metric: string]: unknown;
}

/** Keys of the exported models' metadata_props. */
export const METADATA_KEYS = {
  spec: "siren.spec",
  outputs: "siren.outputs",
  coordinates: "siren.coordinates",
  values: "siren.values",
  source: "siren.source",
  task: "siren.task",
  training: "siren.training",
} as const;

export const COORDINATE_CONVENTION =
  "(x, y); x right, y down; -1 and +1 at the centres of the first and last training pixel; outside [-1, 1] is out-of-sample";
export const VALUE_CONVENTION = "image in [-1, 1] units; display value = (image + 1) / 2, clipped to [0, 1]";

/** Model values live in [-1, 1]; pictures and PSNR use [0, 1]. */
export function toUnit(v: number): number {
  return (v + 1) / 2;
}

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

/** What a model's graph says about itself, read by the ONNX decoder (onnx-graph's readModelMetadata). */
export interface ModelGraphInfo {
  outputs: string[];
  /** C of the `image` output [N, C]. */
  channels: number;
  hasDerivatives: boolean;
  producer: string;
  irVersion: number;
  opset: number;
}

function parseJson(text: string | undefined, key: string): unknown {
  if (text === undefined) throw new UserError(`model has no '${key}' metadata (not exported by siren export?)`);
  try {
    return JSON.parse(text);
  } catch {
    throw new UserError(`model metadata '${key}' is not valid JSON`);
  }
}

function validateSource(value: Record<string, unknown>): SourceImage {
  const where = `model metadata '${METADATA_KEYS.source}'`;
  for (const key of ["width", "height", "channels"]) {
    if (typeof value[key] !== "number") throw new UserError(`${where}: source.${key} is missing or not a number`);
  }
  if (value.file !== undefined && typeof value.file !== "string") {
    throw new UserError(`${where}: source.file is not a string`);
  }
  return value as unknown as SourceImage;
}

/**
 * Checks an exported model's metadata_props against its graph and the contract; every problem
 * is a one-line UserError that names the bad key or field (as checkpoints are checked).
 */
export function parseModelMetadata(props: ReadonlyMap<string, string>, graph: ModelGraphInfo): ModelMetadata {
  let spec: ModelSpec;
  try {
    spec = validateSpec(parseJson(props.get(METADATA_KEYS.spec), METADATA_KEYS.spec));
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`model metadata '${METADATA_KEYS.spec}': ${(err as Error).message}`);
  }
  const { channels, outputs } = graph;
  if (channels !== spec.outputs) {
    throw new UserError(`model output '${ONNX_OUTPUTS.image}' has ${channels} channels, its spec says ${spec.outputs}`);
  }
  const listed = parseJson(props.get(METADATA_KEYS.outputs), METADATA_KEYS.outputs);
  if (JSON.stringify(listed) !== JSON.stringify(outputs)) {
    throw new UserError(
      `model metadata lists outputs ${JSON.stringify(listed)}, the graph has ${JSON.stringify(outputs)}`,
    );
  }
  const source = parseJson(props.get(METADATA_KEYS.source), METADATA_KEYS.source);
  const training = parseJson(props.get(METADATA_KEYS.training), METADATA_KEYS.training);
  if (typeof source !== "object" || source === null || typeof training !== "object" || training === null) {
    throw new UserError("model metadata: source and training must be JSON objects");
  }
  const summary = validateTrainingSummary(training, `model metadata '${METADATA_KEYS.training}'`);
  return {
    spec,
    outputs,
    hasDerivatives: graph.hasDerivatives,
    channels,
    task: props.get(METADATA_KEYS.task) ?? summary.task ?? "",
    source: validateSource(source as Record<string, unknown>),
    training: summary,
    coordinates: props.get(METADATA_KEYS.coordinates) ?? "",
    values: props.get(METADATA_KEYS.values) ?? "",
    producer: graph.producer,
    irVersion: graph.irVersion,
    opset: graph.opset,
  };
}
