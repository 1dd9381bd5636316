import { access } from "node:fs/promises";
import { UserError } from "@siren-onnx/core";
import { writeFileAtomic } from "@siren-onnx/core/node";
import sharp from "sharp";

/** Pixels in the model's units: row-major [height * width, channels], values in [-1, 1]. */
export interface ImageData {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Float32Array;
}

export const MIN_IMAGE_SIZE = 8;
export const MAX_IMAGE_SIZE = 2048;

export interface LoadImageOptions {
  /** Side of the square training image; the source is centre-cropped to a square, then resized. */
  size: number;
  /** Force one grayscale channel even for a colour source. */
  gray?: boolean;
}

/**
 * Reads PNG/JPEG/WebP (anything sharp decodes). Grayscale sources stay one channel, colour
 * gives three; alpha is composited onto black. The largest centred square is resized to
 * size x size (Lanczos), as the reference study does with its 256x256 crops.
 */
export async function loadImage(path: string, options: LoadImageOptions): Promise<ImageData> {
  const { size } = options;
  if (!Number.isInteger(size) || size < MIN_IMAGE_SIZE || size > MAX_IMAGE_SIZE) {
    throw new UserError(`--size: ${size} is outside the supported range ${MIN_IMAGE_SIZE}..${MAX_IMAGE_SIZE}`);
  }
  try {
    await access(path);
  } catch {
    throw new UserError(`image not found: ${path}`);
  }
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>["metadata"]>>;
  try {
    meta = await sharp(path).metadata();
  } catch {
    throw new UserError(`cannot read image ${path}: not a supported image file (PNG, JPEG or WebP), or corrupt`);
  }
  const sourceGray = meta.channels !== undefined && meta.channels <= 2;
  const channels: 1 | 3 = options.gray || sourceGray ? 1 : 3;
  try {
    let pipeline = sharp(path)
      .flatten({ background: "#000000" })
      .resize(size, size, { fit: "cover", position: "centre", kernel: "lanczos3" });
    pipeline = channels === 1 ? pipeline.grayscale() : pipeline.toColourspace("srgb");
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== channels) {
      // sharp may keep 3 channels for grayscale-as-RGB; take the first or expand as needed.
      return { width: size, height: size, channels, data: pickChannels(data, info.channels, channels) };
    }
    return { width: size, height: size, channels, data: Float32Array.from(data, (v) => (v / 255) * 2 - 1) };
  } catch (err) {
    throw new UserError(
      `cannot decode image ${path}: ${(err as Error).message.split("\n")[0]} (truncated or corrupt?)`,
    );
  }
}

function pickChannels(data: Uint8Array, from: number, to: number): Float32Array {
  const n = data.length / from;
  const out = new Float32Array(n * to);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < to; c++) out[i * to + c] = (data[i * from + Math.min(c, from - 1)] / 255) * 2 - 1;
  return out;
}

/** Model values [-1, 1] to 8-bit pixels (clipped). */
export function toBytes(values: Float32Array): Uint8Array {
  return Uint8Array.from(values, (v) => Math.round(Math.min(1, Math.max(0, (v + 1) / 2)) * 255));
}

export async function encodePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
): Promise<Buffer> {
  const image = sharp(pixels, { raw: { width, height, channels } });
  // Without b-w, sharp would store a one-channel picture as RGB.
  return (channels === 1 ? image.toColourspace("b-w") : image).png().toBuffer();
}

/** Writes model values [-1, 1] as a PNG, atomically. */
export async function saveImagePng(
  path: string,
  values: Float32Array,
  width: number,
  height: number,
  channels: 1 | 3,
): Promise<void> {
  await writeFileAtomic(path, await encodePng(toBytes(values), width, height, channels));
}
