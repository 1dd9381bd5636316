import { createSpec, forwardFlopsPerPoint, type ModelKind, nyquistOctaves, SUPERVISION_ORDER } from "@siren-onnx/core";
import { defaultEvalEvery, TASK_SUPERVISION, warmStartFor } from "@siren-onnx/trainer";
import type { StudyConfig } from "./study-config.ts";
import { type StudyRun, trainerTask, trainingSize } from "./study-plan.ts";

/**
 * Milliseconds per GFLOP of forward work on a 2-core machine, from the measured data-parallel
 * steps of the 256-wide SIREN at 16,384 points (`pnpm bench`, Xeon, December 2026: 128 / 334 /
 * 497 ms for 6.45 GFLOP of forward work; the forward pass over 65,536 points 167 ms): a value step
 * costs about 3 forward passes, a gradient step 8, a Laplacian step 12. Only a first guess: the
 * study calibrates its ETA on the runs it has timed.
 */
const MS_PER_GFLOP_STEP = [20, 52, 77];
const MS_PER_GFLOP_FORWARD = 6.5;
/** Fixed costs per step (onnxruntime call, batch sampling) and per run (graph, session, export, pictures). */
const MS_PER_STEP_OVERHEAD = 3;
const SECONDS_PER_RUN_OVERHEAD = 3;

/**
 * Time per FLOP of a model kind against SIREN's, where its activations cost more or less than
 * sin: FINER's step takes about 1.5x SIREN's (Abs, Mul, Add and their gradients around the sine),
 * Gauss's about 0.8x (Exp instead of Sin and Cos), measured at width 256, batch 16384 on the
 * 2-core machine (README, "FINER and Gauss"). Applied to evaluations and renders too. Other
 * kinds count their FLOPs alone.
 */
export const KIND_COST_FACTOR: Partial<Record<ModelKind, number>> = { finer: 1.5, gauss: 0.8 };

/** GFLOP of one forward pass per point, weighted by the kind's cost factor. */
function gflopPerPoint(model: ModelKind, side: number, config: StudyConfig): number {
  const spec = createSpec(model, {
    width: config.width,
    hiddenLayers: config.hiddenLayers,
    peFrequencies: nyquistOctaves(side),
  });
  return ((KIND_COST_FACTOR[model] ?? 1) * forwardFlopsPerPoint(spec)) / 1e9;
}

/** A run's image side, forward GFLOP per point and training-step milliseconds per point. */
function runCosts(run: StudyRun, config: StudyConfig) {
  const side = trainingSize(run, config);
  const gflop = gflopPerPoint(run.model, side, config);
  const msPerPoint = MS_PER_GFLOP_STEP[SUPERVISION_ORDER[TASK_SUPERVISION[trainerTask(run.task)]]] * gflop;
  return { side, gflop, msPerPoint };
}

/** Expected seconds of the trainer's warm start of a run (0 where its task has none). */
export function estimateWarmStartSeconds(run: StudyRun, config: StudyConfig): number {
  const { side, gflop, msPerPoint } = runCosts(run, config);
  const warmStart = warmStartFor(trainerTask(run.task), run.batch, side, side, run.model);
  if (!warmStart) return 0;
  // Coarse-to-fine: the task rebuilt at size² (the same K known pixels for inpainting), every
  // point a step; small batches: `batch` points of the task itself. One evaluation either way.
  const warmPixels = warmStart.size === undefined ? side * side : warmStart.size * warmStart.size;
  const points = Math.min(warmStart.batch ?? Number.POSITIVE_INFINITY, run.points ?? warmPixels, warmPixels);
  const ms = warmStart.steps * (msPerPoint * points + MS_PER_STEP_OVERHEAD) + MS_PER_GFLOP_FORWARD * warmPixels * gflop;
  return ms / 1000;
}

/**
 * Expected seconds of one run: training, evaluations, the trainer's warm start where the task
 * has one, and the fixed costs.
 */
export function estimateRunSeconds(run: StudyRun, config: StudyConfig): number {
  const { side, gflop, msPerPoint } = runCosts(run, config);
  const pixels = side * side;
  const supervised = run.points ?? pixels;
  const batchPoints = run.batch === "full" ? supervised : Math.min(run.batch, supervised);
  const stepMs = msPerPoint * batchPoints + MS_PER_STEP_OVERHEAD;
  const evaluations = Math.ceil(run.steps / (config.evalEvery ?? defaultEvalEvery(run.steps)));
  const evalMs = MS_PER_GFLOP_FORWARD * pixels * gflop;
  return (
    (run.steps * stepMs + evaluations * evalMs) / 1000 +
    estimateWarmStartSeconds(run, config) +
    SECONDS_PER_RUN_OVERHEAD
  );
}

/**
 * Forward passes' worth of rendering per run for the report, at the full image size: a
 * derivative render (image, gradient and Laplacian by forward-mode) costs about 8 forward passes.
 */
const REPORT_RENDERS: Record<StudyRun["task"], number> = {
  fit: 8 + 1, // derivatives once (|gradient| and Laplacian maps and their match), out-of-sample image
  "poisson-gradient": 8 + 1, // the supervised map, the raw image for the null-space fit
  "poisson-laplacian": 8 + 1,
  blend: 0,
  inpaint: 0,
  zoom: 1, // the full-resolution render that is scored
};
/** Classical baselines, picture encoding and export per run. */
const SECONDS_PER_REPORT_RUN = 1;

/** Expected seconds of the report: renders of the exported models, classical baselines, pictures. */
export function estimateReportSeconds(runs: StudyRun[], config: StudyConfig): number {
  return runs.reduce((sum, run) => {
    const forwardMs =
      MS_PER_GFLOP_FORWARD * config.size * config.size * gflopPerPoint(run.model, trainingSize(run, config), config);
    return sum + (REPORT_RENDERS[run.task] * forwardMs) / 1000 + SECONDS_PER_REPORT_RUN;
  }, 0);
}

/** Training of the runs still to do, plus the report over all runs. */
export function estimateStudySeconds(todo: StudyRun[], config: StudyConfig, all: StudyRun[] = todo): number {
  return todo.reduce((sum, run) => sum + estimateRunSeconds(run, config), 0) + estimateReportSeconds(all, config);
}
