import { regionGrid } from "@siren-onnx/core";
import type { ImageData } from "../image-io.ts";
import { affineFit, psnr } from "../metrics.ts";
import type { Task } from "./task.ts";

/** The affine-fitted reconstruction a derivative-only run saves next to the raw one. */
export const AFFINE_RECONSTRUCTION_FILE = "reconstruction-affine.png";

export const AFFINE_NOTE =
  "derivatives fix the image only up to a constant (and, from the Laplacian, a harmonic function): " +
  "psnrAffine is the PSNR after a least-squares fit a * prediction + b per channel";

/**
 * A task supervised by derivatives only, on every pixel of `reference`'s grid. It is scored by
 * psnrAffine (also the score that keeps the best weights); psnr is the raw reconstruction's.
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
    summary: { ...fields.summary, score: "psnrAffine", scoreNote: AFFINE_NOTE },
    evaluate(prediction) {
      const psnrAffine = psnr(affineFit(prediction, reference.data, channels), reference.data);
      return { psnr: psnr(prediction, reference.data), psnrAffine, score: psnrAffine };
    },
    resultPictures(prediction) {
      const values = affineFit(prediction, reference.data, channels);
      return [{ file: AFFINE_RECONSTRUCTION_FILE, values, width, height, channels }];
    },
  };
}
