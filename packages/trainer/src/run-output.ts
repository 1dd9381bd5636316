import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { access, constants, mkdir, readdir, readFile, rename, rm, rmdir, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import {
  type Checkpoint,
  type ModelParams,
  type ModelSpec,
  modelLabel,
  RUN_FILES,
  type RunMetrics,
  UserError,
} from "@siren-onnx/core";
import { loadCheckpoint, readOutputDir, saveCheckpoint, writeFileAtomic } from "@siren-onnx/core/node";
import { DEFAULT_ADAM } from "./engines/engine.ts";
import { saveImagePng } from "./image-io.ts";
import { decodeOptimizerFile, encodeOptimizerFile, type OptimizerFile } from "./optimizer-file.ts";
import { curvesSvg } from "./report/line-chart.ts";
import { type RunInfo, type RunSettings, trainingSummary } from "./run-summary.ts";
import type { HistoryEntry } from "./train-loop.ts";

/**
 * Checks, before any training, that the run can be written to `dir`: a non-empty directory is
 * refused unless force is set, and the nearest existing folder above it must be writable.
 * Nothing is created: the run directory appears only when the finished run is written.
 */
export async function prepareRunDir(dir: string, force: boolean): Promise<void> {
  const entries = (await readOutputDir(dir)) ?? [];
  if (entries.length > 0 && !force) {
    throw new UserError(`--out: ${dir} is not empty; pass --force to overwrite its run files, or choose another --out`);
  }
  let folder = entries.length > 0 ? resolve(dir) : dirname(resolve(dir));
  for (;;) {
    const info = await stat(folder).catch((err: NodeJS.ErrnoException) => err);
    if (info instanceof Error && info.code === "ENOENT" && dirname(folder) !== folder) {
      folder = dirname(folder);
      continue;
    }
    const problem = info instanceof Error ? info.code : info.isDirectory() ? undefined : "ENOTDIR";
    const writable =
      problem ??
      (await access(folder, constants.W_OK).then(
        () => undefined,
        (e) => e.code,
      ));
    if (writable) throw new UserError(`--out: cannot create ${dir} (${writable} at ${folder})`);
    return;
  }
}

/**
 * Writes the run directory: checkpoint, optimizer state, metrics.json, reconstruction.png,
 * curves.svg and task pictures. Everything is written into a temporary folder beside `dir`
 * first; a new (or empty) `dir` then appears in one rename, and into an existing one (--force,
 * --resume) the finished files are renamed one by one, metrics.json last. An interrupted
 * write leaves `dir` as it was (the temporary folder is removed on exit).
 */
export async function writeRun(dir: string, info: RunInfo): Promise<Checkpoint> {
  const { result, task, spec, settings } = info;
  const training = trainingSummary(info);
  const checkpoint: Checkpoint = { spec, params: result.params, training };
  const { psnr, score: _score, ...taskMetrics } = result.metrics;
  const metrics: RunMetrics<RunSettings> = {
    task: task.name,
    model: modelLabel(spec.activation),
    engine: result.engineDescription,
    steps: result.stepsDone,
    stepsRequested: result.steps,
    stopped: result.stopped || undefined,
    lr: settings.lr,
    schedule: settings.schedule,
    batch: settings.batch,
    seed: settings.seed,
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
    settings,
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
  const optimizer: OptimizerFile = {
    params: result.lastParams,
    adam: result.optimizer,
    settings: { beta1: DEFAULT_ADAM.beta1, beta2: DEFAULT_ADAM.beta2, eps: DEFAULT_ADAM.eps },
  };
  await inTemporaryFolder(dir, async (tmp) => {
    await Promise.all([
      saveCheckpoint(join(tmp, RUN_FILES.checkpoint), checkpoint),
      writeFileAtomic(join(tmp, RUN_FILES.optimizer), encodeOptimizerFile(spec, optimizer)),
      writeFileAtomic(join(tmp, RUN_FILES.metrics), `${JSON.stringify(metrics, null, 2)}\n`),
      saveImagePng(join(tmp, RUN_FILES.reconstruction), result.prediction, width, height, channels),
      writeFileAtomic(join(tmp, RUN_FILES.curves), svg),
      ...[...(task.pictures ?? []), ...(task.resultPictures?.(result.prediction) ?? [])].map((p) =>
        saveImagePng(join(tmp, p.file), p.values, p.width, p.height, p.channels),
      ),
    ]);
  });
  return checkpoint;
}

/** Runs `write` on a fresh folder beside `dir`, then moves its files into `dir` (see writeRun). */
async function inTemporaryFolder(dir: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const parent = dirname(resolve(dir));
  const tmp = join(parent, `.${basename(resolve(dir))}.partial-${randomBytes(4).toString("hex")}`);
  const cleanUp = () => rmSync(tmp, { recursive: true, force: true });
  try {
    await mkdir(parent, { recursive: true });
    await mkdir(tmp);
  } catch (err) {
    throw new UserError(`--out: cannot create ${dir} (${(err as NodeJS.ErrnoException).code})`);
  }
  process.on("exit", cleanUp);
  try {
    await write(tmp);
    try {
      await rename(tmp, dir); // atomic when dir does not exist or is empty
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
    }
    const files = (await readdir(tmp)).sort(
      (a, b) => Number(a === RUN_FILES.metrics) - Number(b === RUN_FILES.metrics),
    );
    for (const file of files) await rename(join(tmp, file), join(dir, file));
    await rmdir(tmp);
  } finally {
    process.off("exit", cleanUp);
    await rm(tmp, { recursive: true, force: true });
  }
}

/** A run folder read back for `--resume`, checked for consistency. */
export interface SavedRun {
  spec: ModelSpec;
  settings: RunSettings;
  /** Steps done so far. */
  steps: number;
  /** The kept weights (checkpoint.safetensors) and their step. */
  best: { params: ModelParams; step: number };
  optimizer: OptimizerFile;
  history: HistoryEntry[];
  seconds: number;
  msPerStep: number;
}

/** Reads what `--resume` needs from a run folder; every problem is a one-line UserError. */
export async function readRun(dir: string): Promise<SavedRun> {
  const entries = await readOutputDir(dir, "--resume");
  if (entries === undefined) throw new UserError(`--resume: no run folder at ${dir}`);
  for (const file of [RUN_FILES.checkpoint, RUN_FILES.metrics, RUN_FILES.optimizer]) {
    if (!entries.includes(file)) {
      throw new UserError(
        file === RUN_FILES.optimizer
          ? `--resume: ${dir} has no ${file} (the optimizer state), so its run cannot be continued`
          : `--resume: ${dir} has no ${file}; is it a run folder?`,
      );
    }
  }
  const read = async <T>(file: string, parse: (bytes: Buffer) => T | Promise<T>): Promise<T> => {
    try {
      return await parse(await readFile(join(dir, file)));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new UserError(
        `--resume: ${e.code && !(err instanceof UserError) ? `cannot read ${join(dir, file)} (${e.code})` : e.message}`,
      );
    }
  };
  const checkpoint = await read(RUN_FILES.checkpoint, () => loadCheckpoint(join(dir, RUN_FILES.checkpoint)));
  const metrics = await read(RUN_FILES.metrics, (bytes) => {
    try {
      return JSON.parse(bytes.toString("utf8")) as Partial<RunMetrics<RunSettings>>;
    } catch {
      throw new UserError(`${join(dir, RUN_FILES.metrics)} is not valid JSON`);
    }
  });
  const optimizer = await read(RUN_FILES.optimizer, (bytes) =>
    decodeOptimizerFile(bytes, checkpoint.spec, join(dir, RUN_FILES.optimizer)),
  );
  const settings = metrics.settings as RunSettings | undefined;
  if (!settings || typeof settings !== "object") {
    throw new UserError(
      `--resume: ${join(dir, RUN_FILES.metrics)} has no run settings, so its run cannot be continued`,
    );
  }
  const valid: Record<string, (v: unknown) => boolean> = {
    image: (v) => typeof v === "string",
    imageSha256: (v) => typeof v === "string",
    task: (v) => typeof v === "string",
    size: Number.isInteger,
    steps: Number.isInteger,
    seed: Number.isInteger,
    lr: (v) => typeof v === "number" && v > 0,
    schedule: (v) => v === "cosine" || v === "constant",
    batch: (v) => v === "full" || Number.isInteger(v),
    engine: (v) => v === "onnxruntime" || v === "tfjs",
  };
  for (const [field, ok] of Object.entries(valid)) {
    if (!ok((settings as unknown as Record<string, unknown>)[field])) {
      throw new UserError(`--resume: settings.${field} in ${join(dir, RUN_FILES.metrics)} is missing or invalid`);
    }
  }
  const history = metrics.history as HistoryEntry[];
  const steps = optimizer.adam.step;
  if (
    metrics.steps !== steps ||
    checkpoint.training.steps !== steps ||
    !Array.isArray(history) ||
    history.length !== steps ||
    typeof metrics.bestStep !== "number"
  ) {
    throw new UserError(
      `--resume: the files of ${dir} disagree on the steps done (${steps} in ${RUN_FILES.optimizer}, ${String(metrics.steps)} in ${RUN_FILES.metrics}); was a write interrupted?`,
    );
  }
  const { beta1, beta2, eps } = optimizer.settings;
  if (beta1 !== DEFAULT_ADAM.beta1 || beta2 !== DEFAULT_ADAM.beta2 || eps !== DEFAULT_ADAM.eps) {
    throw new UserError(
      `--resume: ${dir} was trained with other Adam settings (${JSON.stringify(optimizer.settings)})`,
    );
  }
  return {
    spec: checkpoint.spec,
    settings,
    steps,
    best: { params: checkpoint.params, step: metrics.bestStep },
    optimizer,
    history,
    seconds: typeof metrics.seconds === "number" ? metrics.seconds : 0,
    msPerStep: typeof metrics.msPerStep === "number" ? metrics.msPerStep : 0,
  };
}
