import type { Supervision } from "@siren-onnx/core";
import type { ImageData } from "../image-io.ts";

/** Scores of a full-grid reconstruction. `psnr` is over all pixels in [0, 1] units. */
export interface TaskMetrics {
  psnr: number;
  /** The number that selects the best weights (psnr, or psnrAffine for derivative-only tasks). */
  score: number;
  [name: string]: number;
}

/** A picture a task wants saved next to the run (e.g. the inpainting mask). */
export interface TaskPicture {
  file: string;
  /** Row-major model-unit values ([-1, 1]) of the given size and channels. */
  values: Float32Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/**
 * A task of the study: what is supervised (value, gradient or Laplacian), at which points,
 * with which targets, and how a reconstruction is scored. The training loop is the same for all.
 */
export interface Task {
  name: string;
  supervision: Supervision;
  /** Supervised points, [M, 2] in the core's coordinate convention. */
  coords: Float32Array;
  /** Targets by name (value | dx, dy | laplacian), each [M, C], in model units. */
  targets: Record<string, Float32Array>;
  /** The image the reconstruction is compared with (full grid). */
  reference: ImageData;
  evaluate(prediction: Float32Array): TaskMetrics;
  /** Task settings recorded in the checkpoint and metrics.json (scalings, points, alpha, ...). */
  summary: Record<string, unknown>;
  pictures?: TaskPicture[];
  /** Pictures made from the final reconstruction (e.g. the affine-fitted image of a derivative-only fit). */
  resultPictures?(prediction: Float32Array): TaskPicture[];
}

export function pointCount(task: Task): number {
  return task.coords.length / 2;
}
