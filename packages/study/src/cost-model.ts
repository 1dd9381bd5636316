import { createSpec, forwardFlopsPerPoint, nyquistOctaves, SUPERVISION_ORDER } from "@siren-onnx/core";
import { defaultEvalEvery, TASK_SUPERVISION, trainDefaults } from "@siren-onnx/trainer";
import type { StudyConfig } from "./study-config.ts";
import { type StudyRun, trainerTask, trainingSize } from "./study-plan.ts";

/**
 * Milliseconds per GFLOP of forward work on the 2-core reference machine, from the measured
 * steps of the 256-wide SIREN (MEASUREMENTS.md): a value step costs about 3 forward passes,
 * a gradient step 5, a Laplacian step 13. Only a first guess: the study calibrates its ETA on
 * the runs it has timed.
 */
const MS_PER_GFLOP_STEP = [29, 48, 124];
const MS_PER_GFLOP_FORWARD = 13.5;
/** Fixed costs per step (onnxruntime call, batch sampling) and per run (graph, session, export, pictures). */
const MS_PER_STEP_OVERHEAD = 3;
const SECONDS_PER_RUN_OVERHEAD = 3;

/** Expected seconds of one run (training, evaluations and the fixed costs). */
export function estimateRunSeconds(run: StudyRun, config: StudyConfig): number {
  const side = trainingSize(run, config);
  const spec = createSpec(run.model, {
    width: config.width,
    hiddenLayers: config.hiddenLayers,
    peFrequencies: nyquistOctaves(side),
  });
  const gflopPerPoint = forwardFlopsPerPoint(spec) / 1e9;
  const pixels = side * side;
  const task = trainerTask(run.task);
  const batch = trainDefaults(task).batch;
  const supervised = run.points ?? pixels;
  const batchPoints = batch === "full" ? supervised : Math.min(batch, supervised);
  const stepMs =
    MS_PER_GFLOP_STEP[SUPERVISION_ORDER[TASK_SUPERVISION[task]]] * batchPoints * gflopPerPoint + MS_PER_STEP_OVERHEAD;
  const evaluations = Math.ceil(run.steps / (config.evalEvery ?? defaultEvalEvery(run.steps)));
  const evalMs = MS_PER_GFLOP_FORWARD * pixels * gflopPerPoint;
  return (run.steps * stepMs + evaluations * evalMs) / 1000 + SECONDS_PER_RUN_OVERHEAD;
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
    const spec = createSpec(run.model, {
      width: config.width,
      hiddenLayers: config.hiddenLayers,
      peFrequencies: nyquistOctaves(trainingSize(run, config)),
    });
    const forwardMs = MS_PER_GFLOP_FORWARD * config.size * config.size * (forwardFlopsPerPoint(spec) / 1e9);
    return sum + (REPORT_RENDERS[run.task] * forwardMs) / 1000 + SECONDS_PER_REPORT_RUN;
  }, 0);
}

/** Training of the runs still to do, plus the report over all runs. */
export function estimateStudySeconds(todo: StudyRun[], config: StudyConfig, all: StudyRun[] = todo): number {
  return todo.reduce((sum, run) => sum + estimateRunSeconds(run, config), 0) + estimateReportSeconds(all, config);
}
