/**
 * The held-out zoom experiment (super-resolution): a model is fitted to a box-downsampled copy of
 * the image, saved as an ordinary 8-bit PNG, rendered at full resolution and scored against the
 * original, which it never saw. The small PNG is all the run is given: it is trained with
 * `siren train small.png --size n`, exactly as a user would.
 */
import type { Region } from "@siren-onnx/core";
import { type ImageData, saveImagePng, toBytes } from "@siren-onnx/trainer";
import { boxDownsample } from "./baselines.ts";

/**
 * The small image of a zoom run: the block means of factor x factor pixels, rounded to 8 bits as
 * the saved PNG holds them (and as `siren train` reads them back).
 */
export function zoomInput(full: ImageData, factor: number): ImageData {
  const small = boxDownsample(full, factor);
  const bytes = toBytes(small.data);
  return { ...small, data: Float32Array.from(bytes, (b) => (b / 255) * 2 - 1) };
}

/** Writes the small image of a zoom run as a PNG and returns it. */
export async function writeZoomInput(path: string, full: ImageData, factor: number): Promise<ImageData> {
  const small = zoomInput(full, factor);
  await saveImagePng(path, small.data, small.width, small.height, small.channels);
  return small;
}

/**
 * Where the full-resolution pixel centres lie in the small image's coordinates: small pixel j is
 * the mean of full pixels f j .. f j + f - 1, so full pixel i sits at small-pixel position
 * (i + 1/2) / f - 1/2, and the render region reaches a little beyond [-1, 1] (a quarter of a small
 * pixel at f = 2), as every upsampler extrapolates at the border.
 */
export function zoomRegion(smallWidth: number, smallHeight: number, factor: number): Region {
  const edge = (n: number) => 1 + (factor - 1) / (factor * (n - 1));
  const ex = edge(smallWidth);
  const ey = edge(smallHeight);
  return { x0: -ex, y0: -ey, x1: ex, y1: ey };
}
