import { UserError } from "@siren-onnx/core";
import type { ImageData } from "../image-io.ts";
import { buildBlendTask } from "./blend.ts";
import { buildSingleImageTask, type TaskSettings } from "./single-image.ts";
import type { Task } from "./task.ts";

import { TASK_NAMES, type TaskName } from "./task-names.ts";

export type { TaskSettings } from "./single-image.ts";

export function parseTaskName(name: string): TaskName {
  if (!(TASK_NAMES as readonly string[]).includes(name)) {
    throw new UserError(`--task: expected one of ${TASK_NAMES.join(", ")}, got "${name}"`);
  }
  return name as TaskName;
}

export async function buildTask(name: TaskName, image: ImageData, settings: TaskSettings): Promise<Task> {
  // Blend reads a second image file (Node); the others are browser-safe (single-image.ts).
  if (name === "blend") return buildBlendTask(image, settings.image2, settings.alpha);
  return buildSingleImageTask(name, image, settings);
}

export { BLEND_REFERENCE_FILE, DEFAULT_BLEND_ALPHA, SECOND_IMAGE_FILE } from "./blend.ts";
export { AFFINE_RECONSTRUCTION_FILE } from "./derivative-only.ts";
export { KNOWN_PIXELS_FILE, MASK_FILE } from "./inpaint.ts";
export type { Task, TaskMetrics, TaskPicture } from "./task.ts";
export { TASK_DEFAULTS, type TaskTrainingDefaults } from "./task-defaults.ts";
export { TASK_NAMES, TASK_SUPERVISION, type TaskName } from "./task-names.ts";
