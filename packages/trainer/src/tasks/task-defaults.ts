import type { Schedule } from "../train-loop.ts";
import type { TaskName } from "./task-names.ts";

export interface TaskTrainingDefaults {
  steps?: number;
  lr?: number;
  schedule?: Schedule;
  batch?: number | "full";
}

/**
 * Where a task trains best with other settings than TRAIN_DEFAULTS (applied only to the flags
 * the user did not give). Measured on camera.png at 256² on the 2-core machine (README, "Tasks").
 * Derivative supervision needs a lower lr than fitting: at 1e-3 the gradient loss keeps falling
 * while the rebuilt image drifts (24 dB instead of 33 dB at 128² after 300 steps), and the
 * Laplacian loss diverges.
 */
const DERIVATIVE_ONLY: TaskTrainingDefaults = { lr: 3e-4, steps: 500 };

export const TASK_DEFAULTS: Record<TaskName, TaskTrainingDefaults> = {
  fit: {},
  "poisson-gradient": DERIVATIVE_ONLY,
  // A Laplacian step costs about 2.5 gradient steps.
  "poisson-laplacian": { ...DERIVATIVE_ONLY, steps: 300 },
  blend: DERIVATIVE_ONLY,
  // At 1e-3 a SIREN memorises the known pixels (70 dB on them) and fills the gaps with noise:
  // 22.0 dB on the unseen pixels at 10k of 256², against 24.0 dB at 3e-4.
  inpaint: { lr: 3e-4 },
};
