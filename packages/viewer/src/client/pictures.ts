import {
  absPercentile,
  CLIP_PERCENTILE,
  channelMean,
  colorize,
  directionPicture,
  divergingPicture,
  imagePicture,
  type RenderOutput,
  sequentialPicture,
} from "@siren-onnx/core";

/**
 * Colours for progressive rendering. The finished picture is core's colorize (the same as
 * `siren render`); it normalises derivatives by a percentile of the whole picture, which is
 * unknown while tiles arrive, so tiles are coloured with the scale of the last finished level
 * (a good estimate: the same picture at lower resolution) and the last level is recoloured.
 */

/** Mean over channels of [N, C, 2] gradients, as [N, 2] (colorize shows the mean intensity's gradient). */
function meanGradient(values: Float32Array, channels: number): Float32Array {
  if (channels === 1) return values;
  const n = values.length / (2 * channels);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels; c++) {
      out[2 * i] += values[2 * (i * channels + c)] / channels;
      out[2 * i + 1] += values[2 * (i * channels + c) + 1] / channels;
    }
  }
  return out;
}

/** The value that colorize saturates at for these values (unused for the image). */
export function pictureScale(values: Float32Array, output: RenderOutput, channels: number): number {
  if (output === "image") return 1;
  let v: Float32Array;
  if (output === "gradient") {
    const g = meanGradient(values, channels);
    v = new Float32Array(g.length / 2);
    for (let i = 0; i < v.length; i++) v[i] = Math.hypot(g[2 * i], g[2 * i + 1]);
  } else {
    v = channelMean(values, channels);
  }
  const s = absPercentile(v, CLIP_PERCENTILE);
  return s > 0 ? s : 1;
}

/** RGBA of some points coloured at a given scale (see pictureScale). */
export function previewPicture(
  values: Float32Array,
  output: RenderOutput,
  channels: number,
  scale: number,
): Uint8ClampedArray {
  if (output === "image") return imagePicture(values, channels).rgba;
  if (output === "gradient") return directionPicture(meanGradient(values, channels), scale);
  const v = channelMean(values, channels);
  return output === "gradient-magnitude" ? sequentialPicture(v, scale) : divergingPicture(v, scale);
}

/** The finished picture, exactly as `siren render` and /api/render colour it. */
export function finalPicture(values: Float32Array, output: RenderOutput, channels: number) {
  return colorize(values, output, channels);
}

/** ImageData over colormap output (core types it over ArrayBufferLike; it is always a plain ArrayBuffer). */
export function toImageData(rgba: Uint8ClampedArray, width: number, height: number): ImageData {
  return new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, width, height);
}
