import type { RenderOutput } from "@siren-onnx/core";
import { type ImageData, interleaveGradient, pixelGradient, pixelLaplacian } from "@siren-onnx/trainer";

/** A picture file of the report, relative to the report folder, and how its values were coloured. */
export interface ReportPicture {
  file: string;
  caption: string;
  normalisation: string;
}

/** The finite-difference maps of an image, coloured exactly as the models' renders are. */
export function finiteDifferenceValues(image: ImageData, output: RenderOutput): Float32Array {
  const { data, width, height, channels } = image;
  if (output === "image") return data;
  if (output === "laplacian") return pixelLaplacian(data, width, height, channels);
  const gradient = pixelGradient(data, width, height, channels);
  if (output === "gradient") return interleaveGradient(gradient);
  if (output === "gradient-x") return gradient.dx;
  if (output === "gradient-y") return gradient.dy;
  return gradient.dx.map((dx, i) => Math.hypot(dx, gradient.dy[i]));
}
