import { colorize, pictureScale, type RenderOutput } from "@siren-onnx/core";

/**
 * Colours for progressive rendering. The finished picture is core's colorize (the same as
 * `siren render`); it normalises derivatives by a percentile of the whole picture, which is
 * unknown while tiles arrive, so tiles are coloured with the scale of the last finished level
 * (a good estimate: the same picture at lower resolution) and the last level is recoloured.
 */

export { pictureScale };

/** RGBA of some points coloured at a given scale (see pictureScale). */
export function previewPicture(
  values: Float32Array,
  output: RenderOutput,
  channels: number,
  scale: number,
): Uint8ClampedArray {
  return colorize(values, output, channels, scale).rgba;
}

/** The finished picture, exactly as `siren render` and /api/render colour it. */
export function finalPicture(values: Float32Array, output: RenderOutput, channels: number, fixedScale?: number) {
  return colorize(values, output, channels, fixedScale);
}

/** ImageData over colormap output (core types it over ArrayBufferLike; it is always a plain ArrayBuffer). */
export function toImageData(rgba: Uint8ClampedArray, width: number, height: number): ImageData {
  return new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, width, height);
}

/** A colour scale for captions: 4 significant digits, exponent form for tiny or huge values. */
export function formatScale(v: number): string {
  return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : String(+v.toPrecision(4));
}
