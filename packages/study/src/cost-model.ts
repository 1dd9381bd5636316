import { createSpec, forwardFlopsPerPoint, nyquistOctaves, SUPERVISION_ORDER } from "@siren-onnx/core";
import { defaultEvalEvery, TASK_SUPERVISION, trainDefaults } from "@siren-onnx/trainer";
import type { StudyConfig } from "./study-config.ts";
import type { StudyRun } from "./study-plan.ts";

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
  const spec = createSpec(run.model, {
    width: config.width,
    hiddenLayers: config.hiddenLayers,
    peFrequencies: nyquistOctaves(config.size),
  });
  const gflopPerPoint = forwardFlopsPerPoint(spec) / 1e9;
  const pixels = config.size * config.size;
  const batch = trainDefaults(run.task).batch;
  const supervised = run.points ?? pixels;
  const batchPoints = batch === "full" ? supervised : Math.min(batch, supervised);
  const stepMs =
    MS_PER_GFLOP_STEP[SUPERVISION_ORDER[TASK_SUPERVISION[run.task]]] * batchPoints * gflopPerPoint +
    MS_PER_STEP_OVERHEAD;
  const evaluations = Math.ceil(run.steps / (config.evalEvery ?? defaultEvalEvery(run.steps)));
  const evalMs = MS_PER_GFLOP_FORWARD * pixels * gflopPerPoint;
  return (run.steps * stepMs + evaluations * evalMs) / 1000 + SECONDS_PER_RUN_OVERHEAD;
}

export function estimateStudySeconds(runs: StudyRun[], config: StudyConfig): number {
  return runs.reduce((sum, run) => sum + estimateRunSeconds(run, config), 0);
}
