import { UserError } from "./errors.ts";
import type { ModelParams } from "./init.ts";
import { layerShapes, type ModelSpec, validateSpec } from "./model-spec.ts";

/**
 * Checkpoints are safetensors files: tensors `layers.{i}.weight` [out, in] and
 * `layers.{i}.bias` [out] (PyTorch's nn.Linear names and layout), and `__metadata__`
 * with the spec and the training summary as JSON strings. The file alone is enough to
 * rebuild the model: no training flags are needed.
 */
export const CHECKPOINT_FORMAT = "siren-onnx.checkpoint/1";

export interface TrainingSummary {
  task: string;
  steps: number;
  lr: number;
  batch: number | "full";
  seed: number;
  loss: number;
  /** Final PSNR in dB over all pixels, values mapped to [0, 1]. */
  psnr: number;
  imageWidth: number;
  imageHeight: number;
  channels: number;
  engine: string;
  seconds: number;
  source?: string;
  /** Anything task-specific (target scalings, mask size, affine-fit PSNR, ...). */
  extra?: Record<string, unknown>;
}

export interface Checkpoint {
  spec: ModelSpec;
  params: ModelParams;
  training: TrainingSummary;
}

const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/**
 * A safetensors file of float32 layers: `metadata` as __metadata__ and each group's
 * `{prefix}layers.{i}.weight` [out, in] and `.bias` [out] (PyTorch's nn.Linear layout).
 */
export function encodeLayerTensors(
  metadata: Record<string, string>,
  groups: ReadonlyArray<{ prefix: string; params: ModelParams }>,
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const chunks: Float32Array[] = [];
  for (const { prefix, params } of groups) {
    params.forEach((layer, i) => {
      for (const [key, data, shape] of [
        ["weight", layer.weight, [layer.out, layer.in]],
        ["bias", layer.bias, [layer.out]],
      ] as const) {
        header[`${prefix}layers.${i}.${key}`] = {
          dtype: "F32",
          shape,
          data_offsets: [offset, offset + data.byteLength],
        };
        offset += data.byteLength;
        chunks.push(data);
      }
    });
  }
  let json = JSON.stringify(header);
  // Pad the header so the data starts 8-byte aligned (as the reference writer does).
  json += " ".repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const c of chunks) {
    out.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), pos);
    pos += c.byteLength;
  }
  return out;
}

export function encodeCheckpoint(ckpt: Checkpoint): Uint8Array {
  return encodeLayerTensors(
    { format: CHECKPOINT_FORMAT, spec: JSON.stringify(ckpt.spec), training: JSON.stringify(ckpt.training) },
    [{ prefix: "", params: ckpt.params }],
  );
}

/** Parses and validates a checkpoint; errors name the bad field. */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  if (bytes.length < 8) throw new UserError("checkpoint: file is too short to be safetensors");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.length) {
    throw new UserError(
      `checkpoint: header length ${headerLength} does not fit a ${bytes.length}-byte file (not safetensors, or truncated)`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw new UserError("checkpoint: header is not valid JSON (not safetensors, or corrupt)");
  }
  const meta = header.__metadata__ as Record<string, string> | undefined;
  if (!meta || typeof meta !== "object") throw new UserError("checkpoint: __metadata__ is missing");
  if (meta.format !== CHECKPOINT_FORMAT) {
    throw new UserError(
      `checkpoint: __metadata__.format is ${JSON.stringify(meta.format)}, expected "${CHECKPOINT_FORMAT}"`,
    );
  }
  const spec = validateSpec(parseJsonField(meta.spec, "spec"));
  const training = validateTrainingSummary(parseJsonField(meta.training, "training"));
  const dataStart = 8 + headerLength;
  const params = layerShapes(spec).map(([out, inDim], i) => {
    const read = (key: string, shape: number[]) => {
      const name = `layers.${i}.${key}`;
      const entry = header[name] as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | undefined;
      if (!entry) throw new UserError(`checkpoint: tensor ${name} is missing`);
      if (entry.dtype !== "F32")
        throw new UserError(`checkpoint: ${name}.dtype is ${JSON.stringify(entry.dtype)}, expected "F32"`);
      if (JSON.stringify(entry.shape) !== JSON.stringify(shape)) {
        throw new UserError(`checkpoint: ${name}.shape is ${JSON.stringify(entry.shape)}, the spec needs [${shape}]`);
      }
      const offsets = entry.data_offsets as number[];
      const size = shape.reduce((a, b) => a * b, 1) * 4;
      if (
        !Array.isArray(offsets) ||
        offsets.length !== 2 ||
        offsets[1] - offsets[0] !== size ||
        dataStart + offsets[1] > bytes.length
      ) {
        throw new UserError(
          `checkpoint: ${name}.data_offsets ${JSON.stringify(offsets)} are invalid for this file (truncated?)`,
        );
      }
      const copy = bytes.slice(dataStart + offsets[0], dataStart + offsets[1]);
      const data = new Float32Array(copy.buffer, copy.byteOffset, size / 4);
      const bad = data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new UserError(`checkpoint: ${name} holds a non-finite value at index ${bad}`);
      return data;
    };
    return { out, in: inDim, weight: read("weight", [out, inDim]), bias: read("bias", [out]) };
  });
  return { spec, params, training };
}

function parseJsonField(text: unknown, field: string): unknown {
  if (typeof text !== "string") throw new UserError(`checkpoint: __metadata__.${field} is missing`);
  try {
    return JSON.parse(text);
  } catch {
    throw new UserError(`checkpoint: __metadata__.${field} is not valid JSON`);
  }
}

/** Checks a training summary; errors name the bad field, after `context` ("checkpoint" or the metadata key). */
export function validateTrainingSummary(value: unknown, context = "checkpoint"): TrainingSummary {
  if (typeof value !== "object" || value === null) throw new UserError(`${context}: training summary is not an object`);
  const t = value as Record<string, unknown>;
  for (const key of ["steps", "lr", "seed", "loss", "psnr", "imageWidth", "imageHeight", "channels", "seconds"]) {
    if (typeof t[key] !== "number") throw new UserError(`${context}: training.${key} is missing or not a number`);
  }
  for (const key of ["task", "engine"]) {
    if (typeof t[key] !== "string") throw new UserError(`${context}: training.${key} is missing or not a string`);
  }
  if (t.batch !== "full" && typeof t.batch !== "number")
    throw new UserError(`${context}: training.batch must be a number or "full"`);
  return t as unknown as TrainingSummary;
}
