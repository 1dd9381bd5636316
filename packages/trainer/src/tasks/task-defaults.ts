import type { Schedule } from "../train-run.ts";
import type { TaskName } from "./task-names.ts";

/**
 * A coarse-to-fine warm start: first `steps` full-batch steps (Adam, constant `lr`) on the task
 * rebuilt from the image resized to `size`², then the run proper from those weights. Applied by
 * trainImage only to a random-batch run on a larger image (never with --batch full, so the
 * reference settings stay the plain reference).
 */
export interface CoarseStage {
  size: number;
  steps: number;
  lr: number;
}

export interface TaskTrainingDefaults {
  steps?: number;
  lr?: number;
  schedule?: Schedule;
  batch?: number | "full";
  coarse?: CoarseStage;
}

/**
 * Where a task trains best with other settings than TRAIN_DEFAULTS (applied only to the flags
 * the user did not give). Measured on camera.png at 256² on the 2-core machine (README, "Tasks").
 * Derivative supervision needs a lower lr than fitting: at 1e-3 the gradient loss keeps falling
 * while the rebuilt image drifts (24 dB instead of 33 dB at 128² after 300 steps), and the
 * Laplacian loss diverges; 1e-4 beats 3e-4 too (40.9 against 33.2 dB at 128², 300 steps). At 256²
 * the residual of the fine edges dominates the loss and the coarse content converges slowly: a
 * warm start on the 128² task (same 16,384 points a step, so the same cost) is worth several
 * hundred 256² steps (README, "Tasks").
 */
const DERIVATIVE_ONLY: TaskTrainingDefaults = { lr: 1e-4, steps: 250, coarse: { size: 128, steps: 250, lr: 1e-4 } };

/**
 * Fitting: 60 full-batch steps at 128² (lr 1e-3: 44.5 dB there on camera) then 200 random-batch
 * steps at 256² reach 40 dB about 150 steps in and 41.7 dB at the end, where 300 steps without the
 * warm start end at 37.4 dB (README, "Training settings"). A higher or lower lr after the warm
 * start, an lr warm-up, Adam's moments carried over from the warm start and 8,192-point batches
 * all measured worse.
 */
const FIT: TaskTrainingDefaults = { steps: 200, coarse: { size: 128, steps: 60, lr: 1e-3 } };

export const TASK_DEFAULTS: Record<TaskName, TaskTrainingDefaults> = {
  fit: FIT,
  "poisson-gradient": DERIVATIVE_ONLY,
  // A Laplacian step costs about 2.5 gradient steps. Not re-measured with the warm start yet:
  // the settings behind the README's 11.4 dB.
  "poisson-laplacian": { lr: 3e-4, steps: 300 },
  blend: DERIVATIVE_ONLY,
  // At 1e-3 a SIREN memorises the known pixels (70 dB on them) and fills the gaps with noise:
  // 22.0 dB on the unseen pixels at 10k of 256², against 24.0 dB at 3e-4.
  inpaint: { lr: 3e-4 },
};
