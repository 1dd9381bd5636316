import { extname } from "node:path";
import { renderShape, UserError, valuesPerPoint } from "@siren-onnx/core";
import { assertWritable, writeOutputFile } from "@siren-onnx/core/node";
import { type RenderOptions, renderPng, renderValues } from "./render.ts";
import type { RenderModel } from "./render-model.ts";
import { assertJsonSize, encodeNpy, encodeValuesJson } from "./value-files.ts";

export const RENDER_FORMATS = ["png", "npy", "json"] as const;
export type RenderFormat = (typeof RENDER_FORMATS)[number];

/** --format when given, else the output file's extension, else png. */
export function renderFormat(path: string, format?: string): RenderFormat {
  const known = (f: string): f is RenderFormat => (RENDER_FORMATS as readonly string[]).includes(f);
  const ext = extname(path).slice(1).toLowerCase();
  if (format !== undefined) {
    if (!known(format)) throw new UserError(`format "${format}": expected one of ${RENDER_FORMATS.join(", ")}`);
    // A picture named .npy (or values named .png) would mislead every tool that opens it.
    if (known(ext) && ext !== format) throw new UserError(`--format ${format} does not match the file name ${path}`);
    return format;
  }
  if (ext === "") return "png";
  if (!known(ext)) throw new UserError(`${path}: unknown extension ".${ext}" (use .png, .npy or .json, or --format)`);
  return ext;
}

export interface RenderFileResult {
  format: RenderFormat;
  /** How values became colours (png only). */
  normalisation?: string;
  bytes: number;
}

/** Renders to a PNG picture or raw float32 values (.npy with its shape, or .json), written atomically. */
export async function renderToFile(
  model: RenderModel,
  options: RenderOptions,
  file: { path: string; format: RenderFormat; force?: boolean },
): Promise<RenderFileResult> {
  // Refuse before the (possibly long) render, not after it.
  await assertWritable(file.path, file.force ?? false);
  const { output, width, height, region } = options;
  const channels = model.metadata.channels;
  if (file.format === "json") assertJsonSize(width * height * valuesPerPoint(output, channels));
  let data: Uint8Array | string;
  let normalisation: string | undefined;
  if (file.format === "png") {
    const picture = await renderPng(model, options);
    data = picture.png;
    normalisation = picture.normalisation;
  } else {
    const values = await renderValues(model, options);
    const shape = renderShape(output, width, height, channels);
    data = file.format === "npy" ? encodeNpy(values, shape) : encodeValuesJson(values, { output, region, shape });
  }
  await writeOutputFile(file.path, data);
  return {
    format: file.format,
    normalisation,
    bytes: typeof data === "string" ? Buffer.byteLength(data) : data.length,
  };
}
