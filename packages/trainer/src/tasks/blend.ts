import { basename } from "node:path";
import { UserError } from "@siren-onnx/core";
import { derivativeScaling, TARGET_GRADIENT_STENCIL, targetGradient } from "../calculus.ts";
import { type ImageData, loadImage } from "../image-io.ts";
import { derivativeOnlyTask } from "./derivative-only.ts";
import type { Task } from "./task.ts";

export const DEFAULT_BLEND_ALPHA = 0.5;
export const SECOND_IMAGE_FILE = "image2.png";
/** The pixel blend the reconstruction is scored against. */
export const BLEND_REFERENCE_FILE = "blend-reference.png";

/** The second image at the first one's size and channel count (a grey image is repeated into RGB). */
export async function loadSecondImage(path: string, first: ImageData): Promise<ImageData> {
  const second = await loadImage(path, { size: first.width, gray: first.channels === 1 });
  if (second.channels === first.channels) return second;
  const data = new Float32Array(second.data.length * 3);
  for (let i = 0; i < data.length; i++) data[i] = second.data[Math.floor(i / 3)];
  return { ...second, channels: 3, data };
}

export function parseAlpha(value: unknown): number {
  const alpha = value ?? DEFAULT_BLEND_ALPHA;
  if (typeof alpha !== "number" || !Number.isFinite(alpha) || alpha < 0 || alpha > 1) {
    throw new UserError(`--alpha: expected a number in [0, 1], got ${String(value)}`);
  }
  return alpha;
}

/**
 * Gradient-domain blending: the target gradient is alpha * grad f1 + (1 - alpha) * grad f2.
 * The gradient is linear, so the image with that gradient is the pixel blend
 * alpha * f1 + (1 - alpha) * f2 (up to a constant): the reconstruction is scored against it.
 */
export function blendTask(first: ImageData, second: ImageData, alpha: number, secondName = "image2"): Task {
  const { width, height, channels } = first;
  if (second.width !== width || second.height !== height || second.channels !== channels) {
    throw new Error(
      `blend: the second image is ${second.width}x${second.height}x${second.channels}, not ${width}x${height}x${channels}`,
    );
  }
  const g1 = targetGradient(first.data, width, height, channels);
  const g2 = targetGradient(second.data, width, height, channels);
  const mix = (a: Float32Array, b: Float32Array) => a.map((v, i) => alpha * v + (1 - alpha) * b[i]);
  const reference: ImageData = { ...first, data: mix(first.data, second.data) };
  return derivativeOnlyTask(
    {
      name: "blend",
      supervision: "gradient",
      targets: { dx: mix(g1.dx, g2.dx), dy: mix(g1.dy, g2.dy) },
      summary: {
        image2: secondName,
        alpha,
        reference: "alpha * image + (1 - alpha) * image2, the image whose gradient is the target",
        derivatives: derivativeScaling(width, height, TARGET_GRADIENT_STENCIL),
      },
      pictures: [
        { file: SECOND_IMAGE_FILE, values: second.data, width, height, channels },
        { file: BLEND_REFERENCE_FILE, values: reference.data, width, height, channels },
      ],
    },
    reference,
  );
}

export async function buildBlendTask(image: ImageData, image2: unknown, alpha: unknown): Promise<Task> {
  if (typeof image2 !== "string" || image2 === "") {
    throw new UserError("--task blend needs --image2 <path>, the second image");
  }
  const weight = parseAlpha(alpha);
  return blendTask(image, await loadSecondImage(image2, image), weight, basename(image2));
}
