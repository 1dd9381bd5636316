import { ONNX_OUTPUTS } from "./contract.ts";
import { UserError } from "./errors.ts";

/**
 * What a render can show, and how each is computed from the ONNX outputs. Shared by the CLI
 * renderer, the viewer server and the browser viewer (pure functions, no Node APIs).
 */
export const RENDER_OUTPUTS = [
  "image",
  "gradient",
  "gradient-x",
  "gradient-y",
  "gradient-magnitude",
  "laplacian",
] as const;
export type RenderOutput = (typeof RENDER_OUTPUTS)[number];

type OnnxOutputName = (typeof ONNX_OUTPUTS)[keyof typeof ONNX_OUTPUTS];

export function parseRenderOutput(text: string): RenderOutput {
  if (!(RENDER_OUTPUTS as readonly string[]).includes(text)) {
    throw new UserError(`output "${text}": expected one of ${RENDER_OUTPUTS.join(", ")}`);
  }
  return text as RenderOutput;
}

/** The ONNX output a render output is computed from. */
export function renderSource(output: RenderOutput): OnnxOutputName {
  if (output === "image") return ONNX_OUTPUTS.image;
  return output === "laplacian" ? ONNX_OUTPUTS.laplacian : ONNX_OUTPUTS.gradient;
}

export function needsDerivatives(output: RenderOutput): boolean {
  return output !== "image";
}

/**
 * The files of one model by what they serve: `image` the image-only `<name>.onnx`, `derivatives`
 * the file with the gradient and laplacian outputs (`<name>.deriv.onnx`, or an image file that
 * carries them). See contract.ts for the suffixes.
 */
export interface ModelFiles {
  image?: string;
  derivatives?: string;
}

/**
 * The one rule for which file renders an output, used by the renderer, the viewer server and
 * the page: the image-only graph when it suffices (onnxruntime runs every node of a graph).
 */
export function modelFileFor(files: ModelFiles, output: RenderOutput): string | undefined {
  return needsDerivatives(output) ? files.derivatives : (files.image ?? files.derivatives);
}

/** Floats per point of a render output: C, or 2C for the full gradient ([C, 2], last axis d/dx, d/dy). */
export function valuesPerPoint(output: RenderOutput, channels: number): number {
  return output === "gradient" ? 2 * channels : channels;
}

/** Shape of a rendered array: [height, width, C] or [height, width, C, 2] for the gradient. */
export function renderShape(output: RenderOutput, width: number, height: number, channels: number): number[] {
  return output === "gradient" ? [height, width, channels, 2] : [height, width, channels];
}

/**
 * Copies the values of `points` points from the data of the source ONNX output
 * (see renderSource) into `out` at point `offset`, deriving x, y or magnitude from the gradient.
 */
export function extractRenderValues(
  output: RenderOutput,
  source: Float32Array,
  points: number,
  channels: number,
  out: Float32Array,
  offset: number,
): void {
  const n = points * channels;
  const start = offset * valuesPerPoint(output, channels);
  if (output === "image" || output === "laplacian" || output === "gradient") {
    out.set(source.subarray(0, n * (output === "gradient" ? 2 : 1)), start);
    return;
  }
  for (let i = 0; i < n; i++) {
    const dx = source[2 * i];
    const dy = source[2 * i + 1];
    out[start + i] = output === "gradient-x" ? dx : output === "gradient-y" ? dy : Math.sqrt(dx * dx + dy * dy); // Math.hypot is 5x slower
  }
}
