import { encodeLayerTensors, layerShapes, type ModelParams, type ModelSpec, UserError } from "@siren-onnx/core";
import type { AdamOptions, AdamState } from "./engines/engine.ts";

/**
 * optimizer.safetensors: what a run needs to continue exactly where it stopped. The checkpoint
 * holds the kept (best) weights; this file holds the weights after the last step
 * (`layers.{i}.weight|bias`) and Adam's moments (`adam.m.layers...`, `adam.v.layers...`), all
 * float32 in the checkpoint's layout, with Adam's step count and settings in `__metadata__`.
 */
export const OPTIMIZER_FORMAT = "siren-onnx.optimizer/1";

export interface OptimizerFile {
  /** The weights after the last step. */
  params: ModelParams;
  adam: AdamState;
  settings: Omit<AdamOptions, "lr">;
}

const GROUPS = [
  ["", "params"],
  ["adam.m.", "m"],
  ["adam.v.", "v"],
] as const;

export function encodeOptimizerFile(spec: ModelSpec, file: OptimizerFile): Uint8Array {
  return encodeLayerTensors(
    {
      format: OPTIMIZER_FORMAT,
      step: String(file.adam.step),
      adam: JSON.stringify(file.settings),
      spec: JSON.stringify(spec),
    },
    GROUPS.map(([prefix, group]) => ({ prefix, params: group === "params" ? file.params : file.adam[group] })),
  );
}

/** Parses an optimizer file for the model `spec` (shapes are checked); errors are one line and name what is wrong. */
export function decodeOptimizerFile(bytes: Uint8Array, spec: ModelSpec, name = "optimizer.safetensors"): OptimizerFile {
  const fail = (what: string): never => {
    throw new UserError(`${name}: ${what}`);
  };
  if (bytes.length < 8) fail("file is too short to be safetensors");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength < 2 || 8 + headerLength > bytes.length) fail("header does not fit the file (truncated?)");
  let header: Record<string, unknown> = {};
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    fail("header is not valid JSON");
  }
  const meta = (header.__metadata__ ?? {}) as Record<string, unknown>;
  if (meta.format !== OPTIMIZER_FORMAT)
    fail(`format is ${JSON.stringify(meta.format)}, expected "${OPTIMIZER_FORMAT}"`);
  const step = Number(meta.step);
  if (!Number.isInteger(step) || step < 0) fail(`step ${JSON.stringify(meta.step)} is not a step count`);
  let settings: Omit<AdamOptions, "lr"> = { beta1: Number.NaN, beta2: Number.NaN, eps: Number.NaN };
  try {
    settings = JSON.parse(String(meta.adam));
  } catch {
    fail("the Adam settings are not valid JSON");
  }
  if (!["beta1", "beta2", "eps"].every((k) => typeof (settings as Record<string, unknown>)[k] === "number")) {
    fail("the Adam settings need beta1, beta2 and eps");
  }
  const dataStart = 8 + headerLength;
  const read = (tensor: string, shape: number[]): Float32Array => {
    const entry = header[tensor] as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | undefined;
    if (!entry) fail(`tensor ${tensor} is missing`);
    const size = shape.reduce((a, b) => a * b, 1) * 4;
    const offsets = entry?.data_offsets as number[];
    if (entry?.dtype !== "F32" || JSON.stringify(entry.shape) !== JSON.stringify(shape)) {
      fail(`tensor ${tensor} is not F32 [${shape}]`);
    }
    if (!Array.isArray(offsets) || offsets[1] - offsets[0] !== size || dataStart + offsets[1] > bytes.length) {
      fail(`tensor ${tensor} has invalid data offsets (truncated?)`);
    }
    const copy = bytes.slice(dataStart + offsets[0], dataStart + offsets[1]);
    const data = new Float32Array(copy.buffer, copy.byteOffset, size / 4);
    if (!data.every(Number.isFinite)) fail(`tensor ${tensor} holds a non-finite value`);
    return data;
  };
  const group = (prefix: string): ModelParams =>
    layerShapes(spec).map(([out, inDim], i) => ({
      out,
      in: inDim,
      weight: read(`${prefix}layers.${i}.weight`, [out, inDim]),
      bias: read(`${prefix}layers.${i}.bias`, [out]),
    }));
  return { params: group(""), adam: { step, m: group("adam.m."), v: group("adam.v.") }, settings };
}
