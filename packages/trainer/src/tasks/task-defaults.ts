import type { ModelKind } from "@siren-onnx/core";
import type { Schedule } from "../train-run.ts";
import type { TaskName } from "./task-names.ts";

/**
 * A warm start: first `steps` Adam steps at a constant `lr`, then the run proper from those
 * weights. Coarse-to-fine with `size`: full-batch steps on the task rebuilt from the image resized
 * to `size`². Small batches with `batch`: random batches of that many points of the task itself.
 * Applied by trainImage only to a random-batch run on a larger image (never with --batch full, so
 * the reference settings stay the plain reference).
 */
export interface WarmStart {
  size?: number;
  batch?: number;
  steps: number;
  lr: number;
}

/** A task's warm start as set in the defaults: small batches may differ for grey and colour images. */
export interface WarmStartDefaults extends Omit<WarmStart, "batch"> {
  batch?: { grey: number; colour: number };
}

export interface TaskTrainingDefaults {
  steps?: number;
  lr?: number;
  schedule?: Schedule;
  batch?: number | "full";
  warmStart?: WarmStartDefaults;
}

/**
 * Where a task trains best with other settings than TRAIN_DEFAULTS (applied only to the flags
 * the user did not give). Measured on camera.png at 256² on the 2-core machine (README, "Tasks").
 * Derivative supervision needs a lower lr than fitting: at 1e-3 the gradient loss keeps falling
 * while the rebuilt image drifts (24 dB instead of 33 dB at 128² after 300 steps), and the
 * Laplacian loss diverges; 1e-4 beats 3e-4 too (40.9 against 33.2 dB at 128², 300 steps). At 256²
 * the residual of the fine edges dominates the loss and the coarse content converges slowly: a
 * warm start on the 128² task (same 16,384 points a step, so the same cost) is worth several
 * hundred 256² steps. 500 + 700 steps (camera from the gradient: 37.6 dB at 128², then 34.2 dB at
 * 256²) replaced 250 + 250 (32.7, then 31.0 dB); about 8 minutes on a quiet 2-core machine. After
 * the warm start a lower lr keeps more of what it learnt, up to a point: from the gradient at lr
 * 1e-4 / 6e-5 / 3e-5, camera reaches 34.2 / 35.2 / 35.6 dB and astronaut 37.2 / 37.0 / 35.6 dB;
 * 6e-5 is the best on both together. The blend: 29.3 / 32.7 / 34.4 dB at 2e-4 / 1e-4 / 6e-5
 * (README, "Tasks").
 */
const DERIVATIVE_ONLY: TaskTrainingDefaults = { lr: 6e-5, steps: 700, warmStart: { size: 128, steps: 500, lr: 1e-4 } };

/**
 * Fitting: 200 steps of small random batches (lr 1e-3 constant; 2,048 points for a grey image,
 * each an eighth of a 16,384-point step; 4,096 for a colour one) then 150 of 16,384 points with
 * the cosine lr. On camera 256² that ends at 42.3 / 41.4 / 42.2 dB over three seeds, where the
 * previous warm start, 60 full-batch steps at 128² (44.5 dB there, but the first 256² batch's loss
 * was 44 times the last 128² one: 6.8e-3 against 1.6e-4), ended at 38.4 / 37.5 dB after the same
 * 150 steps; 300 steps without a warm start end at 37.4 dB. Colour (astronaut, RGB) took more
 * points: 37.2 / 37.3 dB over two seeds with 4,096 against 33.7 / 34.3 with 2,048, and 35.2 after
 * the 128² warm start; grey camera with 4,096: 41.0 / 41.1 dB, later (README, "Training settings").
 */
const FIT: TaskTrainingDefaults = {
  steps: 150,
  warmStart: { batch: { grey: 2048, colour: 4096 }, steps: 200, lr: 1e-3 },
};

export const TASK_DEFAULTS: Record<TaskName, TaskTrainingDefaults> = {
  fit: FIT,
  "poisson-gradient": DERIVATIVE_ONLY,
  // A Laplacian step costs about 2.5 gradient steps (Zen 5; 1.5 on the Xeon, data-parallel).
  // Steps 150-300 of 300 added 0.06 dB (11.34 -> 11.40 on camera 256²): the analytic Laplacian at
  // the sample points does not pin the values there (sub-pixel wiggles meet it with values near
  // zero; README, "Why the Laplacian stays near 11 dB"), so more steps do not help and the time
  // goes to the gradient tasks instead.
  "poisson-laplacian": { lr: 3e-4, steps: 150 },
  blend: DERIVATIVE_ONLY,
  // At 1e-3 a SIREN memorises the known pixels (70 dB on them) and fills the gaps with noise:
  // 22.0 dB on the unseen pixels at 10k of 256², against 24.0 dB at 3e-4.
  inpaint: { lr: 3e-4 },
};

/**
 * A baseline's Poisson-from-the-gradient settings: its own lr (the sweep at 128², full batch,
 * 200 cosine steps: tanh 15.9 / 17.7 / 19.4 / 20.9 / 18.6 dB and ReLU+PE 11.4 / 13.0 / 16.2 / 18.3 /
 * 14.2 dB at lr 1e-4 / 3e-4 / 1e-3 / 3e-3 / 1e-2), with the warm start at 1e-3 (a constant lr),
 * and SIREN's previous 250 + 250 steps, which keeps the full study within 45 minutes.
 */
function baselineFromGradient(lr: number): TaskTrainingDefaults {
  return { lr, steps: 250, warmStart: { size: 128, steps: 250, lr: 1e-3 } };
}

/**
 * FINER and Gauss fit better with fitting's previous defaults, the coarse-to-fine warm start (60
 * full-batch steps at 128²) and 200 steps: on camera 256², FINER 52.5 dB against 43.3 after the
 * small-batch warm start and 150 steps, Gauss 30.9 against 29.9. The other kinds were as good or
 * better with the new ones (README, "Training settings").
 */
const FIT_COARSE_TO_FINE: TaskTrainingDefaults = { steps: 200, warmStart: { size: 128, steps: 60, lr: 1e-3 } };

/**
 * A model kind's own settings for a task, over TASK_DEFAULTS (only what differs): the baselines'
 * learning rates from the recorded sweep (`bench/sweep-baselines.ts`, README "Tasks"), and
 * FINER's and Gauss's fitting.
 */
export const KIND_TASK_DEFAULTS: Partial<Record<ModelKind, Partial<Record<TaskName, TaskTrainingDefaults>>>> = {
  tanh: { "poisson-gradient": baselineFromGradient(3e-3) },
  "relu-pe": { "poisson-gradient": baselineFromGradient(3e-3) },
  finer: { fit: FIT_COARSE_TO_FINE },
  gauss: { fit: FIT_COARSE_TO_FINE },
};
