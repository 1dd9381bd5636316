import { regionGrid } from "@siren-onnx/core";
import { pixelLaplacian, targetGradient } from "../calculus.ts";
import type { ImageData } from "../image-io.ts";
import { affineFit, mse, psnr, psnrMinMax } from "../metrics.ts";
import type { Task } from "./task.ts";

/** The affine-fitted reconstruction a derivative-only run saves next to the raw one. */
export const AFFINE_RECONSTRUCTION_FILE = "reconstruction-affine.png";

export const AFFINE_NOTE =
  "derivatives fix the image only up to a constant (and, from the Laplacian, a harmonic function): " +
  "psnrAffine is the PSNR after a least-squares fit a * prediction + b per channel; psnrMinMax after " +
  "rescaling prediction and image each to [0, 1] by its range (the official SIREN code's normalisation)";

/**
 * A task supervised by derivatives only, on every pixel of `reference`'s grid. It is reported
 * by psnrAffine; psnr is the raw reconstruction's. The kept weights are chosen without looking
 * at the image: by how well the reconstruction's own finite differences match the supervised
 * ones (score = -error), so the selection uses only what the task is given.
 */
export function derivativeOnlyTask(
  fields: Pick<Task, "name" | "supervision" | "targets" | "summary" | "pictures">,
  reference: ImageData,
): Task {
  const { width, height, channels } = reference;
  return {
    ...fields,
    coords: regionGrid(width, height),
    reference,
    summary: { ...fields.summary, score: "supervisionError", scoreNote: AFFINE_NOTE },
    evaluate(prediction) {
      const psnrAffine = psnr(affineFit(prediction, reference.data, channels), reference.data);
      const supervisionError = supervisedError(fields.targets, prediction, width, height, channels);
      return {
        psnr: psnr(prediction, reference.data),
        psnrAffine,
        psnrMinMax: psnrMinMax(prediction, reference.data),
        supervisionError,
        score: -supervisionError,
      };
    },
    resultPictures(prediction) {
      const values = affineFit(prediction, reference.data, channels);
      return [{ file: AFFINE_RECONSTRUCTION_FILE, values, width, height, channels }];
    },
  };
}

/** Mean squared difference between the prediction's finite-difference derivatives and the targets. */
function supervisedError(
  targets: Record<string, Float32Array>,
  prediction: Float32Array,
  width: number,
  height: number,
  channels: number,
): number {
  if (targets.laplacian) return mse(pixelLaplacian(prediction, width, height, channels), targets.laplacian);
  const g = targetGradient(prediction, width, height, channels);
  return (mse(g.dx, targets.dx) + mse(g.dy, targets.dy)) / 2;
}
