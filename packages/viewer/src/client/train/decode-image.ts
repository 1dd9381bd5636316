/// <reference lib="webworker" />
import type { Pixels } from "./train-protocol.ts";

/** Files above this are refused before decoding: a photo this large is not worth the memory. */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;
/** Images with more pixels than this are refused (the decoded RGBA alone would be 400 MB). */
export const MAX_IMAGE_PIXELS = 100_000_000;
/** Images larger than this on a side are decoded downscaled (with a notice): training uses at most 256². */
export const DOWNSCALE_ABOVE = 4096;

export class ImageInputError extends Error {}

type Format = "PNG" | "JPEG" | "WebP";

/** The format and size from the file header (PNG IHDR, JPEG SOF, WebP VP8/VP8L/VP8X), without decoding. */
export function sniffImage(bytes: Uint8Array): { format: Format; width?: number; height?: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at: number, n: number) => String.fromCharCode(...bytes.subarray(at, at + n));
  if (bytes.length >= 24 && bytes[0] === 0x89 && ascii(1, 3) === "PNG") {
    return { format: "PNG", width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    for (let at = 2; at + 9 < bytes.length; ) {
      if (bytes[at] !== 0xff) return { format: "JPEG" };
      const marker = bytes[at + 1];
      const length = view.getUint16(at + 2);
      // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { format: "JPEG", height: view.getUint16(at + 5), width: view.getUint16(at + 7) };
      }
      at += 2 + length;
    }
    return { format: "JPEG" };
  }
  if (bytes.length >= 30 && ascii(0, 4) === "RIFF" && ascii(8, 4) === "WEBP") {
    const chunk = ascii(12, 4);
    if (chunk === "VP8 ")
      return { format: "WebP", width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
    if (chunk === "VP8L") {
      const b = view.getUint32(21, true);
      return { format: "WebP", width: (b & 0x3fff) + 1, height: ((b >> 14) & 0x3fff) + 1 };
    }
    if (chunk === "VP8X") {
      const w = bytes[24] | (bytes[25] << 8) | (bytes[26] << 16);
      const h = bytes[27] | (bytes[28] << 8) | (bytes[29] << 16);
      return { format: "WebP", width: w + 1, height: h + 1 };
    }
    return { format: "WebP" };
  }
  return undefined;
}

/**
 * Decodes a PNG/JPEG/WebP file and makes the training image the CLI would: the largest centred
 * square resized to size² (the browser's high-quality resampling, not sharp's Lanczos), gray
 * sources as one channel, alpha composited onto black. Throws ImageInputError with a one-line reason.
 */
export async function decodeImage(
  name: string,
  buffer: ArrayBuffer,
  size: number,
): Promise<{ pixels: Pixels; notice?: string }> {
  const bytes = new Uint8Array(buffer);
  if (bytes.length > MAX_FILE_BYTES) {
    throw new ImageInputError(
      `${name} is ${(bytes.length / 2 ** 20).toFixed(0)} MB: the limit is ${MAX_FILE_BYTES / 2 ** 20} MB`,
    );
  }
  const sniffed = sniffImage(bytes);
  if (!sniffed) throw new ImageInputError(`${name} is not a PNG, JPEG or WebP image`);
  const { width: w, height: h } = sniffed;
  if (w !== undefined && h !== undefined) {
    if (w === 0 || h === 0)
      throw new ImageInputError(`${name}: the ${sniffed.format} header says ${w}×${h}; the file is corrupt`);
    if (w * h > MAX_IMAGE_PIXELS) {
      throw new ImageInputError(`${name} is ${w}×${h}: the limit is ${MAX_IMAGE_PIXELS / 1e6} megapixels`);
    }
  }
  const big = w !== undefined && h !== undefined && Math.max(w, h) > DOWNSCALE_ABOVE;
  const scale = big ? DOWNSCALE_ABOVE / Math.max(w!, h!) : 1;
  let bitmap: ImageBitmap;
  try {
    const blob = new Blob([bytes], { type: `image/${sniffed.format.toLowerCase()}` });
    bitmap = await createImageBitmap(
      blob,
      big ? { resizeWidth: Math.round(w! * scale), resizeHeight: Math.round(h! * scale), resizeQuality: "high" } : {},
    );
  } catch {
    throw new ImageInputError(`cannot decode ${name}: the ${sniffed.format} file is corrupt or truncated`);
  }
  const notice = big
    ? `${name} is ${w}×${h}: downscaled to at most ${DOWNSCALE_ABOVE} px a side before cropping`
    : undefined;
  const side = Math.min(bitmap.width, bitmap.height);
  const canvas = new OffscreenCanvas(size, size);
  const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, size, size);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, size, size);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, size, size).data;
  let gray = true;
  for (let i = 0; i < rgba.length && gray; i += 4) gray = rgba[i] === rgba[i + 1] && rgba[i] === rgba[i + 2];
  const channels = gray ? 1 : 3;
  const data = new Float32Array(size * size * channels);
  for (let p = 0; p < size * size; p++)
    for (let c = 0; c < channels; c++) data[p * channels + c] = (rgba[4 * p + c] / 255) * 2 - 1;
  return { pixels: { width: size, height: size, channels, data }, notice };
}
