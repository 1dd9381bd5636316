import type { Supervision } from "@siren-onnx/core";

export const TASK_NAMES = ["fit", "poisson-gradient", "poisson-laplacian", "blend", "inpaint"] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/** What each task's loss compares (the task objects carry the same; tests keep both in step). */
export const TASK_SUPERVISION: Record<TaskName, Supervision> = {
  fit: "value",
  "poisson-gradient": "gradient",
  "poisson-laplacian": "laplacian",
  blend: "gradient",
  inpaint: "value",
};
