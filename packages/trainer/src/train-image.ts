import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename, extname, join, resolve } from "node:path";
import { createSpec, initParams, type ModelKind, modelLabel, nyquistOctaves, UserError } from "@siren-onnx/core";
import type { EngineName } from "./engines/create-engine.ts";
import { loadImage } from "./image-io.ts";
import { prepareRunDir, readRun, writeRun } from "./run-output.ts";
import type { RunSettings } from "./run-summary.ts";
import { buildTask, type TaskName, type TaskSettings } from "./tasks/index.ts";
import type { WarmStart } from "./tasks/task-defaults.ts";
import { TRAIN_DEFAULTS, trainDefaults } from "./train-defaults.ts";
import { type Schedule, type StepInfo, type TrainLoopResult, trainLoop } from "./train-loop.ts";

export { TRAIN_DEFAULTS, trainDefaults } from "./train-defaults.ts";

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
  /** EngineOptions.dataParallel (default true; false: one session, for comparisons). */
  dataParallel?: boolean;
  width?: number;
  hiddenLayers?: number;
  omega0?: number;
  evalEvery?: number;
  /**
   * Run the task's warm start where it has one (TaskTrainingDefaults.warmStart); default true.
   * A WarmStart runs that one instead (benchmarks compare settings with it).
   */
  warmStart?: boolean | WarmStart;
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
    ...trainDefaults(options.task ?? TRAIN_DEFAULTS.task, options.model),
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as Required<
    Omit<
      TrainImageOptions,
      | "device"
      | "threads"
      | "dataParallel"
      | "omega0"
      | "evalEvery"
      | "warmStart"
      | "onStep"
      | "signal"
      | "taskSettings"
      | "out"
      | "gray"
    >
  > &
    TrainImageOptions;
  const dir = options.out ?? defaultRunDir(o.image, o.model, o.task);
  const image = await loadImage(o.image, { size: o.size, gray: o.gray });
  const task = await buildTask(o.task, image, { ...options.taskSettings, seed: o.seed });
  await prepareRunDir(dir, Boolean(o.force));
  const { image2, alpha, points } = (options.taskSettings ?? {}) as {
    image2?: string;
    alpha?: number;
    points?: number;
  };
  const settings: RunSettings = {
    image: resolve(o.image),
    imageSha256: await sha256(o.image),
    size: o.size,
    gray: Boolean(o.gray),
    task: o.task,
    ...(typeof image2 === "string" ? { image2: resolve(image2), image2Sha256: await sha256(image2) } : {}),
    alpha,
    points,
    steps: o.steps,
    lr: o.lr,
    schedule: o.schedule,
    batch: o.batch,
    seed: o.seed,
    engine: o.engine,
    evalEvery: options.evalEvery,
  };
  const spec = createSpec(o.model, {
    width: o.width,
    hiddenLayers: o.hiddenLayers,
    outputs: image.channels,
    omega0: options.omega0,
    peFrequencies: nyquistOctaves(Math.min(image.width, image.height)),
  });
  // The same engine, device, seed and stop signal for the warm start and the run itself.
  const engineSettings = {
    seed: o.seed,
    engine: o.engine,
    device: options.device,
    threads: options.threads,
    dataParallel: options.dataParallel,
    signal: options.signal,
  };
  const warmStart =
    typeof options.warmStart === "object"
      ? options.warmStart
      : options.warmStart === false
        ? undefined
        : warmStartFor(o.task, o.batch, image.width, image.height, o.model, image.channels);
  let params = initParams(spec, o.seed);
  let warmSeconds = 0;
  if (warmStart) {
    // TaskTrainingDefaults.warmStart: coarse-to-fine (the task rebuilt at size²) or small batches.
    const { size } = warmStart;
    const warmTask =
      size === undefined
        ? task
        : await buildTask(o.task, await loadImage(o.image, { size, gray: o.gray }), {
            ...options.taskSettings,
            seed: o.seed,
          });
    const stage = size === undefined ? `warm start, ${warmStart.batch}-point batches` : `warm start ${size}²`;
    const warm = await trainLoop({
      task: warmTask,
      spec,
      params,
      steps: warmStart.steps,
      lr: warmStart.lr,
      schedule: "constant",
      batch: warmStart.batch ?? "full",
      ...engineSettings,
      evalEvery: warmStart.steps,
      onStep: options.onStep && ((info) => options.onStep?.({ ...info, stage })),
    });
    params = warm.lastParams;
    warmSeconds = warm.seconds;
    const { psnr, psnrAffine } = warm.metrics;
    settings.coarse = {
      ...warmStart,
      psnr,
      ...(psnrAffine === undefined ? {} : { psnrAffine }),
      seconds: warm.seconds,
    };
  }
  // Nothing is written before the run is finished (or stopped): a failure leaves no run directory.
  const trained = await trainLoop({
    task,
    spec,
    params,
    steps: o.steps,
    lr: o.lr,
    schedule: o.schedule,
    batch: o.batch,
    ...engineSettings,
    evalEvery: options.evalEvery,
    onStep: options.onStep,
  });
  // The reported time includes the warm start.
  const result = { ...trained, seconds: trained.seconds + warmSeconds };
  await writeRun(dir, { spec, task, result, settings, source: basename(o.image) });
  return { dir, result };
}

/**
 * The task's (and model kind's) warm start for an image of `channels` channels, if it applies:
 * only before a random-batch run, and only on an image larger than the warm start's size, or with
 * more pixels than both the run's batch and the warm start's.
 */
export function warmStartFor(
  task: TaskName,
  batch: number | "full",
  width: number,
  height: number,
  model?: ModelKind,
  channels = 1,
): WarmStart | undefined {
  const defaults = trainDefaults(task, model).warmStart;
  if (!defaults || batch === "full") return undefined;
  const { batch: batches, ...rest } = defaults;
  if (batches) {
    const warmBatch = channels === 1 ? batches.grey : batches.colour;
    return width * height > Math.max(batch, warmBatch) ? { ...rest, batch: warmBatch } : undefined;
  }
  return rest.size !== undefined && Math.min(width, height) > rest.size ? rest : undefined;
}

export interface ResumeRunOptions {
  /** The run directory to continue (updated in place). */
  dir: string;
  /** Total steps to reach; default the run's own target. */
  steps?: number;
  device?: string;
  threads?: number;
  onStep?: (info: StepInfo) => void;
  signal?: AbortSignal;
}

/**
 * Continues a run directory up to `steps` total steps with its own settings, weights, Adam state
 * and batch sequence, as if it had never stopped, and rewrites its files. The schedule spans
 * the new total: with more steps than the original target, a cosine schedule is the one of a
 * run of that length from the resume step on (see README, "Stopping and resuming").
 */
export async function resumeRun(options: ResumeRunOptions): Promise<{ dir: string; result: TrainLoopResult }> {
  const { dir } = options;
  const saved = await readRun(dir);
  const s = saved.settings;
  const steps = options.steps ?? s.steps;
  if (steps < saved.steps) {
    throw new UserError(`--resume: --steps ${steps} is below the ${saved.steps} steps ${dir} has already done`);
  }
  if (steps === saved.steps) {
    throw new UserError(
      `--resume: ${dir} has already done its ${steps} steps; pass --steps N (more than ${steps}) to continue it`,
    );
  }
  for (const [path, hash] of [
    [s.image, s.imageSha256],
    [s.image2, s.image2Sha256],
  ] as const) {
    if (path === undefined) continue;
    const now = await sha256(path).catch(() => undefined);
    if (now === undefined) throw new UserError(`--resume: the run's image ${path} cannot be read`);
    if (now !== hash) throw new UserError(`--resume: the run's image ${path} has changed since the run started`);
  }
  const image = await loadImage(s.image, { size: s.size, gray: s.gray });
  const task = await buildTask(s.task, image, { image2: s.image2, alpha: s.alpha, points: s.points, seed: s.seed });
  const result = await trainLoop({
    task,
    spec: saved.spec,
    params: saved.optimizer.params,
    steps,
    lr: s.lr,
    schedule: s.schedule,
    batch: s.batch,
    seed: s.seed,
    engine: s.engine,
    device: options.device,
    threads: options.threads,
    evalEvery: s.evalEvery,
    onStep: options.onStep,
    signal: options.signal,
    resume: {
      optimizer: saved.optimizer.adam,
      best: saved.best,
      history: saved.history,
      seconds: saved.seconds,
      msPerStep: saved.msPerStep,
    },
  });
  await writeRun(dir, { spec: saved.spec, task, result, settings: { ...s, steps }, source: basename(s.image) });
  return { dir, result };
}

async function sha256(path: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(path))
    .digest("hex");
}
