/**
 * What a render asks for, checked against the size limits before any model runs: shared by
 * `siren render`, the viewer server and the study.
 */
import {
  formatRegion,
  type ModelMetadata,
  parsePositiveInt,
  parseRegion,
  parseRenderOutput,
  type Region,
  type RenderOutput,
  TRAINING_DOMAIN,
  UserError,
} from "@siren-onnx/core";

/** Largest width or height of a render. */
export const MAX_RENDER_SIDE = 16384;
/** Largest render of the CLI: 64 megapixels (8192 x 8192); the server passes a lower cap. */
export const MAX_RENDER_PIXELS = 8192 * 8192;
/** Default size when the model does not record its training image. */
export const DEFAULT_RENDER_SIDE = 512;

export interface RenderRequest {
  width: number;
  height: number;
  region: Region;
  output: RenderOutput;
}

/** Untrusted render parameters (CLI options or query strings). */
export interface RenderRequestInput {
  width: number | string;
  height: number | string;
  region?: Region | string;
  output?: string;
}

/** Checks a render request against the size limits; every problem is a one-line UserError. */
export function validateRenderRequest(
  input: RenderRequestInput,
  limits: { maxSide?: number; maxPixels?: number } = {},
): RenderRequest {
  const maxSide = limits.maxSide ?? MAX_RENDER_SIDE;
  const maxPixels = limits.maxPixels ?? MAX_RENDER_PIXELS;
  const width = parsePositiveInt(String(input.width), "width", maxSide);
  const height = parsePositiveInt(String(input.height), "height", maxSide);
  if (width * height > maxPixels) {
    throw new UserError(
      `${width} x ${height} is ${width * height} pixels, beyond the limit of ${maxPixels} pixels (${(maxPixels / 2 ** 20).toFixed(0)} megapixels)`,
    );
  }
  const region =
    input.region === undefined
      ? TRAINING_DOMAIN
      : parseRegion(typeof input.region === "string" ? input.region : formatRegion(input.region));
  return { width, height, region, output: parseRenderOutput(input.output ?? "image") };
}

/** The training image size when the model records it, else 512²; one given side keeps the training aspect. */
export function defaultRenderSize(
  metadata: ModelMetadata,
  width?: string | number,
  height?: string | number,
): { width: number | string; height: number | string } {
  const w0 = metadata.source.width > 0 ? metadata.source.width : DEFAULT_RENDER_SIDE;
  const h0 = metadata.source.height > 0 ? metadata.source.height : DEFAULT_RENDER_SIDE;
  const scaled = (given: string | number, from: number, to: number) => {
    const n = Number(given);
    return Number.isFinite(n) && n > 0 ? Math.max(1, Math.round((n * to) / from)) : given;
  };
  return {
    width: width ?? (height !== undefined ? scaled(height, h0, w0) : w0),
    height: height ?? (width !== undefined ? scaled(width, w0, h0) : h0),
  };
}
