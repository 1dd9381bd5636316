import { gridPoints, SeededRandom, UserError } from "@siren-onnx/core";
import type { ImageData } from "../image-io.ts";
import { psnr } from "../metrics.ts";
import type { Task } from "./task.ts";

export const MASK_FILE = "mask.png";
export const KNOWN_PIXELS_FILE = "known.png";
/** Offsets the mask's random stream from the weights' and the batches' (same --seed). */
const MASK_SEED_SALT = 0x6d61736b;

/** k distinct pixel indices of the image, drawn from the seed, in increasing order. */
export function knownPixels(pixelCount: number, k: number, seed: number): Uint32Array {
  return new SeededRandom((seed ^ MASK_SEED_SALT) >>> 0).sample(pixelCount, k).sort();
}

export function parsePoints(value: unknown, pixelCount: number): number {
  if (value === undefined) throw new UserError("--task inpaint needs --points <k>, the number of known pixels");
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new UserError(`--points: expected a positive integer, got ${String(value)}`);
  }
  if (value > pixelCount) {
    throw new UserError(`--points: ${value} is more than the ${pixelCount} pixels of the training image`);
  }
  return value;
}

/** Values of the given pixels, [k, C]. */
function gather(data: Float32Array, indices: Uint32Array, channels: number): Float32Array {
  const out = new Float32Array(indices.length * channels);
  indices.forEach((p, k) => {
    for (let c = 0; c < channels; c++) out[k * channels + c] = data[p * channels + c];
  });
  return out;
}

/**
 * Inpainting: only k random pixels supervise the value. Scored on all pixels (psnr), on the
 * pixels never seen (psnrUnseen) and on the known ones (psnrKnown: the score that keeps the
 * best weights, so the selection never looks at the unseen pixels).
 */
export function inpaintTask(image: ImageData, points: unknown, seed: number): Task {
  const { width, height, channels, data } = image;
  const count = width * height;
  const known = knownPixels(count, parsePoints(points, count), seed);
  const mask = new Float32Array(count).fill(-1);
  for (const p of known) mask[p] = 1;
  const unseen = Uint32Array.from(mask.keys()).filter((p) => mask[p] < 0);
  const knownImage = new Float32Array(data.length).fill(-1);
  for (const p of known) for (let c = 0; c < channels; c++) knownImage[p * channels + c] = data[p * channels + c];
  return {
    name: "inpaint",
    supervision: "value",
    coords: gridPoints(width, height, known),
    targets: { value: gather(data, known, channels) },
    reference: image,
    evaluate(prediction) {
      const psnrKnown = psnr(prediction, data, known, channels);
      const all = { psnr: psnr(prediction, data), psnrKnown, score: psnrKnown };
      return unseen.length > 0 ? { ...all, psnrUnseen: psnr(prediction, data, unseen, channels) } : all;
    },
    summary: { points: known.length, maskSeed: seed, pixels: count, score: "psnrKnown" },
    pictures: [
      { file: MASK_FILE, values: mask, width, height, channels: 1 },
      { file: KNOWN_PIXELS_FILE, values: knownImage, width, height, channels },
    ],
  };
}
