import { type ModelKind, modelLabel } from "@siren-onnx/core";
import type { TaskName } from "@siren-onnx/trainer";
import { inpaintPoints, type StudyConfig } from "./study-config.ts";

/** One training run of the study; `id` names its folder (runs/<id>) and its models (models/<id>.onnx). */
export interface StudyRun {
  id: string;
  task: TaskName;
  model: ModelKind;
  steps: number;
  points?: number;
  alpha?: number;
}

function run(task: TaskName, model: ModelKind, config: StudyConfig, extra: Partial<StudyRun> = {}): StudyRun {
  const suffix = extra.points === undefined ? "" : `-${extra.points}`;
  return { id: `${task}${suffix}-${modelLabel(model)}`, task, model, steps: config.steps[task], ...extra };
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
  ];
}
