import type { ModelSpec, TrainingSummary } from "@siren-onnx/core";
import type { EngineName } from "./engines/create-engine.ts";
import type { Task } from "./tasks/task.ts";
import type { TaskName } from "./tasks/task-names.ts";
import type { Schedule, TrainLoopResult } from "./train-run.ts";

/* What a run records about itself (checkpoint and metrics.json), without Node imports: the viewer's train worker writes checkpoints too. */

/**
 * Everything `--resume` needs to rebuild a run besides the model spec (metrics.json `settings`):
 * the resolved options, with absolute image paths and the images' SHA-256.
 */
export interface RunSettings {
  image: string;
  imageSha256: string;
  size: number;
  gray: boolean;
  task: TaskName;
  image2?: string;
  image2Sha256?: string;
  alpha?: number;
  points?: number;
  /** The run's target step count. */
  steps: number;
  lr: number;
  schedule: Schedule;
  batch: number | "full";
  seed: number;
  engine: EngineName;
  /** Only when given (otherwise it follows from `steps`). */
  evalEvery?: number;
  /**
   * The warm start done before the run's own steps (TaskTrainingDefaults.warmStart; the key keeps
   * its first name): its settings (`size` for a coarse-to-fine one, `batch` for small batches),
   * PSNR where it ran (and psnrAffine for derivative tasks; runs written before December 2026
   * have only that) and time.
   */
  coarse?: {
    size?: number;
    batch?: number;
    steps: number;
    lr: number;
    psnr?: number;
    psnrAffine?: number;
    seconds: number;
  };
}

export interface RunInfo {
  spec: ModelSpec;
  task: Task;
  result: TrainLoopResult;
  settings: RunSettings;
  source?: string;
}

export function trainingSummary(info: RunInfo): TrainingSummary {
  const { result, task, settings } = info;
  const { psnr, score: _score, ...taskMetrics } = result.metrics;
  return {
    task: task.name,
    steps: result.stepsDone,
    lr: settings.lr,
    batch: settings.batch,
    seed: settings.seed,
    loss: result.finalLoss,
    psnr,
    imageWidth: task.reference.width,
    imageHeight: task.reference.height,
    channels: task.reference.channels,
    engine: result.engineDescription,
    seconds: +result.seconds.toFixed(2),
    source: info.source,
    extra: { ...task.summary, ...taskMetrics, schedule: settings.schedule, bestStep: result.bestStep },
  };
}
