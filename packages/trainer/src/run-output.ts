import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Checkpoint, type ModelSpec, modelLabel, type TrainingSummary, UserError } from "@siren-onnx/core";
import { readOutputDir, saveCheckpoint, writeFileAtomic } from "@siren-onnx/core/node";
import { saveImagePng } from "./image-io.ts";
import { curvesSvg } from "./report/line-chart.ts";
import type { Task } from "./tasks/task.ts";
import type { Schedule, TrainLoopResult } from "./train-loop.ts";

/** The files of a run directory (the public interface of `siren train`). */
export const RUN_FILES = {
  checkpoint: "checkpoint.safetensors",
  metrics: "metrics.json",
  reconstruction: "reconstruction.png",
  curves: "curves.svg",
} as const;

/**
 * Creates the run directory; refuses a non-empty one unless force is set. Returns whether this
 * call created it (so a run that fails before writing anything can remove it again).
 */
export async function prepareRunDir(dir: string, force: boolean): Promise<boolean> {
  const existing = await readOutputDir(dir);
  const entries = existing ?? [];
  if (entries.length > 0 && !force) {
    throw new UserError(`--out: ${dir} is not empty; pass --force to overwrite its run files, or choose another --out`);
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new UserError(`--out: cannot create ${dir} (${(err as NodeJS.ErrnoException).code})`);
  }
  return existing === undefined;
}

export interface RunInfo {
  spec: ModelSpec;
  task: Task;
  result: TrainLoopResult;
  lr: number;
  schedule: Schedule;
  batch: number | "full";
  seed: number;
  engine: string;
  source?: string;
}

export function trainingSummary(info: RunInfo): TrainingSummary {
  const { result, task } = info;
  const { psnr, score: _score, ...taskMetrics } = result.metrics;
  return {
    task: task.name,
    steps: result.stepsDone,
    lr: info.lr,
    batch: info.batch,
    seed: info.seed,
    loss: result.finalLoss,
    psnr,
    imageWidth: task.reference.width,
    imageHeight: task.reference.height,
    channels: task.reference.channels,
    engine: result.engineDescription,
    seconds: +result.seconds.toFixed(2),
    source: info.source,
    extra: { ...task.summary, ...taskMetrics, schedule: info.schedule, bestStep: result.bestStep },
  };
}

/** Writes checkpoint, metrics.json, reconstruction.png, curves.svg and task pictures (each atomically). */
export async function writeRun(dir: string, info: RunInfo): Promise<Checkpoint> {
  const { result, task, spec } = info;
  const training = trainingSummary(info);
  const checkpoint: Checkpoint = { spec, params: result.params, training };
  const { psnr, score: _score, ...taskMetrics } = result.metrics;
  const metrics = {
    task: task.name,
    model: modelLabel(spec.activation),
    engine: result.engineDescription,
    steps: result.stepsDone,
    stepsRequested: result.stopped ? undefined : result.stepsDone,
    stopped: result.stopped || undefined,
    lr: info.lr,
    schedule: info.schedule,
    batch: info.batch,
    seed: info.seed,
    psnr,
    ...taskMetrics,
    bestStep: result.bestStep,
    finalLoss: result.finalLoss,
    msPerStep: +result.msPerStep.toFixed(2),
    seconds: +result.seconds.toFixed(2),
    image: {
      width: task.reference.width,
      height: task.reference.height,
      channels: task.reference.channels,
      source: info.source,
    },
    spec,
    taskSettings: task.summary,
    history: result.history,
  };
  const name = `${modelLabel(spec.activation)} ${task.name}: `;
  const svg = curvesSvg(
    [{ label: modelLabel(spec.activation), points: result.history.map((h) => [h.step, h.loss]) }],
    [
      {
        label: modelLabel(spec.activation),
        points: result.history.filter((h) => h.psnr !== undefined).map((h) => [h.step, h.psnr as number]),
      },
    ],
    name,
  );
  const { width, height, channels } = task.reference;
  await Promise.all([
    saveCheckpoint(join(dir, RUN_FILES.checkpoint), checkpoint),
    writeFileAtomic(join(dir, RUN_FILES.metrics), `${JSON.stringify(metrics, null, 2)}\n`),
    saveImagePng(join(dir, RUN_FILES.reconstruction), result.prediction, width, height, channels),
    writeFileAtomic(join(dir, RUN_FILES.curves), svg),
    ...[...(task.pictures ?? []), ...(task.resultPictures?.(result.prediction) ?? [])].map((p) =>
      saveImagePng(join(dir, p.file), p.values, p.width, p.height, p.channels),
    ),
  ]);
  return checkpoint;
}
