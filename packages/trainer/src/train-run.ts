import {
  type ModelParams,
  type ModelSpec,
  type RunHistoryEntry,
  regionGrid,
  SeededRandom,
  UserError,
} from "@siren-onnx/core";
import type { AdamState, StepBatch, TrainingEngine } from "./engines/engine.ts";
import { pointCount, type Task, type TaskMetrics } from "./tasks/task.ts";

/*
 * The training loop over any TrainingEngine, with no Node imports: the CLI runs it through
 * trainLoop (train-loop.ts) and the viewer's train worker on onnxruntime-web.
 */

export type Schedule = "constant" | "cosine";

/** A training run's settings, whatever engine runs it. */
export interface TrainRunOptions {
  task: Task;
  spec: ModelSpec;
  /** Initial weights, or with `resume` the weights after the steps already done. */
  params: ModelParams;
  /** Total steps (with `resume`, including the ones already done); the schedule spans them. */
  steps: number;
  lr: number;
  schedule: Schedule;
  /** Random points per step, or "full" for every supervised point. */
  batch: number | "full";
  seed: number;
  /** Evaluate the full-grid reconstruction every this many steps (and at the end). */
  evalEvery?: number;
  onStep?: (info: StepInfo) => void;
  /** Aborting stops after the current step; the result holds the weights so far. */
  signal?: AbortSignal;
  /** Continue a saved run as if it had never stopped. */
  resume?: TrainLoopResume;
  /**
   * Awaited before each step: the viewer's train worker yields to its messages there (pause,
   * stop), which a loop of awaited runs alone would never let in.
   */
  beforeStep?: (step: number) => Promise<void>;
  /** Each evaluation's reconstruction on the full grid and its scores (the viewer's live picture). */
  onEvaluate?: (step: number, prediction: Float32Array, metrics: TaskMetrics) => void;
}

/** What a stopped run saved (optimizer.safetensors, checkpoint.safetensors, metrics.json). */
export interface TrainLoopResume {
  /** Adam's moments and step count: the loop continues at step `optimizer.step + 1`. */
  optimizer: AdamState;
  /** The weights kept so far and their step; re-scored at the start, they compete with the new evaluations. */
  best: { params: ModelParams; step: number };
  history: HistoryEntry[];
  seconds: number;
  msPerStep: number;
}

/** One evaluation in the history (core's contract: metrics.json `history`). */
export type HistoryEntry = RunHistoryEntry;

export interface StepInfo {
  step: number;
  steps: number;
  loss: number;
  lastMetrics?: TaskMetrics;
  /** Set during a run's coarse warm start (e.g. "warm start 128²"); absent for the run proper. */
  stage?: string;
}

export interface TrainLoopResult {
  /** The best-scoring weights seen at an evaluation (guards against late instability). */
  params: ModelParams;
  metrics: TaskMetrics;
  /** Step whose weights are kept. */
  bestStep: number;
  finalLoss: number;
  history: HistoryEntry[];
  stepsDone: number;
  /** The total steps asked for. */
  steps: number;
  /** The weights after the last step and Adam's state: what a resumed run continues from. */
  lastParams: ModelParams;
  optimizer: AdamState;
  stopped: boolean;
  msPerStep: number;
  seconds: number;
  engineDescription: string;
  /** Final reconstruction on the full training grid (model units). */
  prediction: Float32Array;
}

export function learningRate(schedule: Schedule, lr: number, step: number, steps: number): number {
  return schedule === "cosine" ? lr * 0.5 * (1 + Math.cos((Math.PI * (step - 1)) / steps)) : lr;
}

/**
 * Default evaluation period: about 10 evaluations per run, at least every step for tiny runs. An
 * evaluation predicts the whole grid, which costs about two random-batch steps at 256² (265 against
 * 133 ms, data-parallel on 2 cores): 20 per run took a sixth of the default fit's time.
 */
export function defaultEvalEvery(steps: number): number {
  return Math.max(1, Math.round(steps / 10));
}

/** Points per step: the batch size asked for, at most every supervised point. */
export function batchSizeFor(task: Task, batch: number | "full"): number {
  const total = pointCount(task);
  return batch === "full" ? total : Math.min(batch, total);
}

/** The one training loop shared by every task and engine; the caller creates and disposes `engine`. */
export async function runTrainLoop(engine: TrainingEngine, options: TrainRunOptions): Promise<TrainLoopResult> {
  const { task, steps } = options;
  const batchSize = batchSizeFor(task, options.batch);
  const { resume } = options;
  const started = performance.now() - (resume?.seconds ?? 0) * 1000;
  let stepMs = resume ? resume.msPerStep * resume.optimizer.step : 0;
  const grid = regionGrid(task.reference.width, task.reference.height);
  const sampler = batchSampler(task, batchSize, options.seed, resume?.optimizer.step ?? 0);
  const evalEvery = options.evalEvery ?? defaultEvalEvery(steps);
  const history: HistoryEntry[] = resume ? resume.history.map((h) => ({ ...h })) : [];
  let best: { metrics: TaskMetrics; params: ModelParams; step: number; prediction: Float32Array } | undefined;
  let lastMetrics: TaskMetrics | undefined;
  let loss = resume ? (history[history.length - 1]?.loss ?? Number.NaN) : Number.NaN;
  let step = resume?.optimizer.step ?? 0;
  if (resume) {
    await engine.setParams(resume.best.params);
    const prediction = await engine.predict(grid);
    best = { metrics: task.evaluate(prediction), params: resume.best.params, step: resume.best.step, prediction };
    await engine.setParams(options.params);
    await engine.setOptimizerState(resume.optimizer);
  }

  const evaluate = async () => {
    const prediction = await engine.predict(grid);
    const metrics = task.evaluate(prediction);
    lastMetrics = metrics;
    options.onEvaluate?.(step, prediction, metrics);
    if (!Number.isFinite(metrics.psnr)) {
      throw new UserError(`training diverged at step ${step} (the reconstruction is not finite); try a lower --lr`);
    }
    if (!best || metrics.score > best.metrics.score || Number.isNaN(best.metrics.score)) {
      best = { metrics, params: await engine.params(), step, prediction };
    }
    return metrics;
  };

  while (step < steps && !options.signal?.aborted) {
    await options.beforeStep?.(step);
    if (options.signal?.aborted) break;
    const t0 = performance.now();
    loss = await engine.step(sampler(), learningRate(options.schedule, options.lr, step + 1, steps));
    stepMs += performance.now() - t0;
    step += 1;
    if (!Number.isFinite(loss))
      throw new UserError(`training diverged at step ${step} (loss ${loss}); try a lower --lr`);
    const entry: HistoryEntry = { step, loss };
    if (step % evalEvery === 0 || step === steps) {
      const { score: _score, ...metrics } = await evaluate();
      Object.assign(entry, metrics);
    }
    history.push(entry);
    options.onStep?.({ step, steps, loss, lastMetrics });
  }
  if (step > 0 && step % evalEvery !== 0 && step !== steps) {
    const { score: _score, ...metrics } = await evaluate();
    Object.assign(history[history.length - 1], metrics);
  }
  if (!best) await evaluate(); // zero steps: score the initial weights
  const kept = best!;
  const [lastParams, optimizer] = await Promise.all([engine.params(), engine.optimizerState()]);
  return {
    params: kept.params,
    metrics: kept.metrics,
    bestStep: kept.step,
    finalLoss: loss,
    history,
    stepsDone: step,
    steps,
    lastParams,
    optimizer,
    stopped: step < steps,
    msPerStep: step > 0 ? stepMs / step : 0,
    seconds: (performance.now() - started) / 1000,
    engineDescription: engine.description,
    prediction: kept.prediction,
  };
}

/**
 * Returns the next step's batch: all points (the same arrays every step) or a fresh random subset.
 * `skip` batches are drawn and dropped first, so a resumed run gets the batches it would have had.
 */
export function batchSampler(task: Task, batchSize: number, seed: number, skip = 0): () => StepBatch {
  const total = pointCount(task);
  if (batchSize >= total) {
    const batch = { coords: task.coords, targets: task.targets };
    return () => batch;
  }
  const rng = new SeededRandom(seed ^ 0x5eed);
  for (let i = 0; i < skip; i++) rng.sample(total, batchSize);
  const names = Object.keys(task.targets);
  const channels = task.targets[names[0]].length / total;
  // Buffers are reused across steps: fresh allocations are slow on this kind of VM (MEASUREMENTS.md).
  const coords = new Float32Array(batchSize * 2);
  const targets = Object.fromEntries(names.map((n) => [n, new Float32Array(batchSize * channels)]));
  return () => {
    const picked = rng.sample(total, batchSize);
    for (let k = 0; k < batchSize; k++) {
      const i = picked[k];
      coords[2 * k] = task.coords[2 * i];
      coords[2 * k + 1] = task.coords[2 * i + 1];
      for (const n of names) {
        const src = task.targets[n];
        const dst = targets[n];
        for (let c = 0; c < channels; c++) dst[k * channels + c] = src[i * channels + c];
      }
    }
    return { coords, targets };
  };
}
