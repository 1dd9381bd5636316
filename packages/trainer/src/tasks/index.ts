import { UserError } from "@siren-onnx/core";
import type { ImageData } from "../image-io.ts";
import { buildBlendTask } from "./blend.ts";
import { fitTask } from "./fit.ts";
import { inpaintTask } from "./inpaint.ts";
import { poissonGradientTask, poissonLaplacianTask } from "./poisson.ts";
import type { Task } from "./task.ts";

import { TASK_NAMES, type TaskName } from "./task-names.ts";

/** Task-specific settings from the CLI (second image, alpha, points, ...). */
export interface TaskSettings {
  seed: number;
  [key: string]: unknown;
}

export function parseTaskName(name: string): TaskName {
  if (!(TASK_NAMES as readonly string[]).includes(name)) {
    throw new UserError(`--task: expected one of ${TASK_NAMES.join(", ")}, got "${name}"`);
  }
  return name as TaskName;
}

export async function buildTask(name: TaskName, image: ImageData, settings: TaskSettings): Promise<Task> {
  switch (name) {
    case "fit":
      return fitTask(image);
    case "poisson-gradient":
      return poissonGradientTask(image);
    case "poisson-laplacian":
      return poissonLaplacianTask(image);
    case "blend":
      return buildBlendTask(image, settings.image2, settings.alpha);
    case "inpaint":
      return inpaintTask(image, settings.points, settings.seed);
  }
}

export { BLEND_REFERENCE_FILE, DEFAULT_BLEND_ALPHA, SECOND_IMAGE_FILE } from "./blend.ts";
export { AFFINE_RECONSTRUCTION_FILE } from "./derivative-only.ts";
export { KNOWN_PIXELS_FILE, MASK_FILE } from "./inpaint.ts";
export type { Task, TaskMetrics, TaskPicture } from "./task.ts";
export { TASK_DEFAULTS, type TaskTrainingDefaults } from "./task-defaults.ts";
export { TASK_NAMES, TASK_SUPERVISION, type TaskName } from "./task-names.ts";
