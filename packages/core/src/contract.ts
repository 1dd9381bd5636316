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
/** Name of the checkpoint inside a trainer run directory. */
export const RUN_CHECKPOINT = "checkpoint.safetensors";

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
