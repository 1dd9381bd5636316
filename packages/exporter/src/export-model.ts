import { basename, dirname, join } from "node:path";
import { type Checkpoint, type ModelSpec, modelBaseName, modelFilePaths, RUN_FILES, UserError } from "@siren-onnx/core";
import { assertWritable, isDirectory, loadCheckpoint, writeOutputFile } from "@siren-onnx/core/node";
import { exportModelBytes, type TrigMode } from "./model-graph.ts";

export interface ExportResult {
  checkpoint: string;
  imageModel: string;
  derivativeModel: string;
  spec: ModelSpec;
  bytes: number;
}

/** The checkpoint file of a run directory or a checkpoint path. */
export async function resolveCheckpoint(input: string): Promise<string> {
  const dir = await isDirectory(input);
  if (dir === undefined) throw new UserError(`no such run directory or checkpoint: ${input}`);
  if (!dir) return input;
  const file = join(input, RUN_FILES.checkpoint);
  if ((await isDirectory(file)) !== false) throw new UserError(`run directory ${input} has no ${RUN_FILES.checkpoint}`);
  return file;
}

/** models/<run dir name>, or models/<checkpoint name> for a checkpoint not called checkpoint.safetensors. */
export function defaultModelPrefix(checkpointPath: string): string {
  const name = basename(checkpointPath).replace(/\.safetensors$/, "");
  return join("models", name === "checkpoint" ? basename(dirname(checkpointPath)) || name : name);
}

/**
 * Writes `<prefix>.onnx` (image only) and `<prefix>.deriv.onnx` (image, gradient, Laplacian):
 * onnxruntime runs every node whatever is fetched, so image-only viewing gets its own cheaper graph.
 */
export async function exportCheckpoint(
  input: string,
  outPrefix?: string,
  options: { force?: boolean; trig?: TrigMode } = {},
): Promise<ExportResult> {
  const checkpointPath = await resolveCheckpoint(input);
  let ckpt: Checkpoint;
  try {
    ckpt = await loadCheckpoint(checkpointPath);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  // `-o some/folder/` (or an existing folder) puts the default model name inside it.
  const given = outPrefix ?? defaultModelPrefix(checkpointPath);
  const intoFolder = /[\\/]$/.test(given) || (await isDirectory(given)) === true;
  const prefix = modelBaseName(intoFolder ? join(given, basename(defaultModelPrefix(checkpointPath))) : given);
  const { image: imageModel, derivatives: derivativeModel } = modelFilePaths(prefix);
  // Check both before writing either, so a refusal leaves nothing half-exported.
  for (const path of [imageModel, derivativeModel]) await assertWritable(path, options.force ?? false);
  const image = exportModelBytes(ckpt, { derivatives: false, trig: options.trig });
  const derivatives = exportModelBytes(ckpt, { derivatives: true, trig: options.trig });
  await writeOutputFile(imageModel, image);
  await writeOutputFile(derivativeModel, derivatives);
  return {
    checkpoint: checkpointPath,
    imageModel,
    derivativeModel,
    spec: ckpt.spec,
    bytes: image.length + derivatives.length,
  };
}
