import { UserError } from "@siren-onnx/core";
import type { ImageData } from "../image-io.ts";
import { fitTask } from "./fit.ts";
import type { Task } from "./task.ts";

export const TASK_NAMES = ["fit"] as const;
export type TaskName = (typeof TASK_NAMES)[number];

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

export async function buildTask(name: TaskName, image: ImageData, _settings: TaskSettings): Promise<Task> {
  switch (name) {
    case "fit":
      return fitTask(image);
  }
}

export type { Task, TaskMetrics, TaskPicture } from "./task.ts";
