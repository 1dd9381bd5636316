import { rmdir } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { createSpec, initParams, type ModelKind, modelLabel, nyquistOctaves } from "@siren-onnx/core";
import type { EngineName } from "./engines/create-engine.ts";
import { loadImage } from "./image-io.ts";
import { prepareRunDir, writeRun } from "./run-output.ts";
import { buildTask, TASK_DEFAULTS, type TaskName, type TaskSettings } from "./tasks/index.ts";
import { type Schedule, type StepInfo, type TrainLoopResult, trainLoop } from "./train-loop.ts";

/**
 * Defaults chosen for time-to-quality on a 2-core CPU (see README, "Training settings"):
 * random batches of 16,384 pixels with a cosine-decayed lr of 1e-3. The reference settings
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

/** TRAIN_DEFAULTS with a task's own defaults (TASK_DEFAULTS) on top. */
export function trainDefaults(task: TaskName): typeof TRAIN_DEFAULTS {
  return { ...TRAIN_DEFAULTS, task, ...TASK_DEFAULTS[task] };
}

export interface TrainImageOptions {
  image: string;
  model?: ModelKind;
  task?: TaskName;
  taskSettings?: Omit<TaskSettings, "seed">;
  size?: number;
  gray?: boolean;
  steps?: number;
  lr?: number;
  schedule?: Schedule;
  batch?: number | "full";
  seed?: number;
  engine?: EngineName;
  device?: string;
  threads?: number;
  width?: number;
  hiddenLayers?: number;
  omega0?: number;
  evalEvery?: number;
  /** Run directory; default runs/<image>-<model>[-<task>]. */
  out?: string;
  force?: boolean;
  onStep?: (info: StepInfo) => void;
  signal?: AbortSignal;
}

export function defaultRunDir(image: string, model: ModelKind, task: TaskName): string {
  const stem = basename(image, extname(image));
  return join("runs", `${stem}-${modelLabel(model)}${task === "fit" ? "" : `-${task}`}`);
}

/** Loads the image, builds the task, trains and writes the run directory. */
export async function trainImage(options: TrainImageOptions): Promise<{ dir: string; result: TrainLoopResult }> {
  const o = {
    ...trainDefaults(options.task ?? TRAIN_DEFAULTS.task),
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as Required<
    Omit<
      TrainImageOptions,
      "device" | "threads" | "omega0" | "evalEvery" | "onStep" | "signal" | "taskSettings" | "out" | "gray"
    >
  > &
    TrainImageOptions;
  const dir = options.out ?? defaultRunDir(o.image, o.model, o.task);
  const image = await loadImage(o.image, { size: o.size, gray: o.gray });
  const task = await buildTask(o.task, image, { ...options.taskSettings, seed: o.seed });
  const createdDir = await prepareRunDir(dir, Boolean(o.force));
  const spec = createSpec(o.model, {
    width: o.width,
    hiddenLayers: o.hiddenLayers,
    outputs: image.channels,
    omega0: options.omega0,
    peFrequencies: nyquistOctaves(Math.min(image.width, image.height)),
  });
  let result: TrainLoopResult;
  try {
    result = await trainLoop({
      task,
      spec,
      params: initParams(spec, o.seed),
      steps: o.steps,
      lr: o.lr,
      schedule: o.schedule,
      batch: o.batch,
      seed: o.seed,
      engine: o.engine,
      device: options.device,
      threads: options.threads,
      evalEvery: options.evalEvery,
      onStep: options.onStep,
      signal: options.signal,
    });
  } catch (err) {
    // Nothing was written yet: do not leave an empty run directory behind.
    if (createdDir) await rmdir(dir).catch(() => undefined);
    throw err;
  }
  await writeRun(dir, {
    spec,
    task,
    result,
    lr: o.lr,
    schedule: o.schedule,
    batch: o.batch,
    seed: o.seed,
    engine: o.engine,
    source: basename(o.image),
  });
  return { dir, result };
}
