import { type ModelKind, modelLabel } from "@siren-onnx/core";
import { type Schedule, type TaskName, trainDefaults } from "@siren-onnx/trainer";
import { inpaintPoints, type StudyConfig, zoomFactors } from "./study-config.ts";

/** The study's tasks: the trainer's, and `zoom` (fitting a downsampled image, scored at full size). */
export type StudyTask = TaskName | "zoom";

/** One training run of the study; `id` names its folder (runs/<id>) and its models (models/<id>.onnx). */
export interface StudyRun {
  id: string;
  task: StudyTask;
  model: ModelKind;
  steps: number;
  /** The run's training settings: the study's `training`, else its trainer task's defaults. */
  lr: number;
  batch: number | "full";
  schedule: Schedule;
  points?: number;
  alpha?: number;
  /** Zoom runs: the downsampling factor. */
  factor?: number;
}

/** The trainer task a study task trains with (zoom runs are fits of the small image). */
export function trainerTask(task: StudyTask): TaskName {
  return task === "zoom" ? "fit" : task;
}

/** Side of the image a run trains on. */
export function trainingSize(run: StudyRun, config: StudyConfig): number {
  return run.factor ? config.size / run.factor : config.size;
}

function run(task: StudyTask, model: ModelKind, config: StudyConfig, extra: Partial<StudyRun> = {}): StudyRun {
  const number = extra.points ?? extra.factor;
  const suffix = number === undefined ? "" : `-${number}`;
  const defaults = trainDefaults(trainerTask(task), model);
  const steps = task === "zoom" ? config.zoomSteps : (config.steps[task] ?? defaults.steps);
  const { lr = defaults.lr, batch = defaults.batch, schedule = defaults.schedule } = config.training ?? {};
  return { id: `${task}${suffix}-${modelLabel(model)}`, task, model, steps, lr, batch, schedule, ...extra };
}

/** Every run of the study, in the order they are trained (fitting first: the other sections compare with it). */
export function planStudy(config: StudyConfig): StudyRun[] {
  return [
    ...config.fitModels.map((m) => run("fit", m, config)),
    ...config.poissonModels.map((m) => run("poisson-gradient", m, config)),
    ...config.poissonModels.map((m) => run("poisson-laplacian", m, config)),
    ...config.blendModels.map((m) => run("blend", m, config, { alpha: config.blendAlpha })),
    ...inpaintPoints(config).flatMap((points) =>
      config.inpaintModels.map((m) => run("inpaint", m, config, { points })),
    ),
    ...zoomFactors(config).flatMap((factor) => config.zoomModels.map((m) => run("zoom", m, config, { factor }))),
  ];
}
