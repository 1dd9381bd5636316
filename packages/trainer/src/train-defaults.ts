import type { ModelKind } from "@siren-onnx/core";
import type { EngineName } from "./engines/create-engine.ts";
import { KIND_TASK_DEFAULTS, TASK_DEFAULTS, type WarmStartDefaults } from "./tasks/task-defaults.ts";
import type { TaskName } from "./tasks/task-names.ts";
import type { Schedule } from "./train-run.ts";

/**
 * Defaults chosen for time-to-quality on a 2-core CPU (see README, "Training settings"):
 * random batches of 16,384 pixels with a cosine-decayed lr of 1e-3 (and, per task, TASK_DEFAULTS:
 * fitting's warm start and 200 steps among them). The reference settings
 * are --lr 1e-4 --batch full --schedule constant.
 */
export const TRAIN_DEFAULTS = {
  model: "sine" as ModelKind,
  task: "fit" as TaskName,
  size: 256,
  steps: 300,
  lr: 1e-3,
  schedule: "cosine" as Schedule,
  batch: 16_384 as number | "full",
  seed: 0,
  engine: "onnxruntime" as EngineName,
  width: 256,
  hiddenLayers: 3,
};

/**
 * TRAIN_DEFAULTS with a task's own defaults (TASK_DEFAULTS) on top, and on top of those a model
 * kind's own for that task (KIND_TASK_DEFAULTS: the baselines' tuned settings).
 */
export function trainDefaults(
  task: TaskName,
  model: ModelKind = TRAIN_DEFAULTS.model,
): typeof TRAIN_DEFAULTS & { warmStart?: WarmStartDefaults } {
  return { ...TRAIN_DEFAULTS, task, ...TASK_DEFAULTS[task], ...KIND_TASK_DEFAULTS[model]?.[task], model };
}
