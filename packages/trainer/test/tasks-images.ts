import { regionGrid } from "@siren-onnx/core";
import type { ImageData } from "../src/image-io.ts";

/** An image whose channel c holds fs[c](x, y) sampled on the training grid (synthetic test images). */
export function sampleImage(width: number, height: number, fs: Array<(x: number, y: number) => number>): ImageData {
  const grid = regionGrid(width, height);
  const channels = fs.length;
  const data = new Float32Array(width * height * channels);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < channels; c++) data[i * channels + c] = fs[c](grid[2 * i], grid[2 * i + 1]);
  }
  return { width, height, channels: channels as 1 | 3, data };
}
