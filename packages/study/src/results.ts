import { readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { modelLabel, RUN_FILES, type RunMetrics } from "@siren-onnx/core";
import type { HistoryEntry } from "@siren-onnx/trainer";
import type { DerivativeMatch } from "./baselines.ts";
import type { StudyConfig } from "./study-config.ts";
import { REPORT_FILES } from "./study-folder.ts";
import type { StudyRun, StudyTask } from "./study-plan.ts";

/** The headline number of each task: what its table ranks by. */
export const HEADLINE_METRIC: Record<StudyTask, string> = {
  fit: "psnr",
  "poisson-gradient": "psnrAffine",
  "poisson-laplacian": "psnrAffine",
  blend: "psnrAffine",
  inpaint: "psnr",
  zoom: "psnrZoom",
};

/** The metric of each task's logged curve (zoom runs log the small image they are fitted to). */
export const CURVE_METRIC: Record<StudyTask, string> = {
  fit: "psnr",
  "poisson-gradient": "psnrAffine",
  "poisson-laplacian": "psnrAffine",
  blend: "psnrAffine",
  inpaint: "psnrUnseen",
  zoom: "psnr",
};

/** The SIREN paper's Poisson table (256², 10k steps): PSNR in dB of the image rebuilt from its derivatives. */
export const PAPER_POISSON: Partial<Record<StudyTask, Record<string, number>>> = {
  "poisson-gradient": { tanh: 25.8, "relu-pe": 26.4, siren: 32.9 },
  "poisson-laplacian": { tanh: 7.1, "relu-pe": 11.1, siren: 14.9 },
};

/** What the paper's numbers are; they are not comparable with this study's columns. */
export const PAPER_NORMALISATION =
  "the paper's own normalisation: 256², 10k steps at lr 1e-4, full batch; how the reconstruction was " +
  "normalised before its PSNR is not stated (the released code computes no PSNR for these runs and " +
  "shows them rescaled to their own range), so only the ranking is comparable with this table";

/** One run's entry of results.json. */
export interface RunResult {
  id: string;
  task: StudyTask;
  model: string;
  /** The headline metric's name and value (dB). */
  metric: string;
  value: number;
  psnr: number;
  psnrAffine?: number;
  psnrUnseen?: number;
  psnrKnown?: number;
  /** Poisson tasks: PSNR after fitting a * reconstruction + the stencil's null space (1 for the gradient). */
  psnrNullSpace?: number;
  /** Zoom runs: PSNR of the full-resolution render against the original the model never saw. */
  psnrZoom?: number;
  /** Fits: how the model's analytic |gradient| and Laplacian match the image's finite differences. */
  derivatives?: { gradient: DerivativeMatch; laplacian: DerivativeMatch };
  points?: number;
  alpha?: number;
  factor?: number;
  /** Side of the image the run was trained on. */
  trainSize: number;
  /** [step, value] of CURVE_METRIC at every logged evaluation. */
  curve: Array<[number, number]>;
  curveMetric: string;
  steps: number;
  seconds: number;
  msPerStep: number;
  /** The run folder, relative to the report folder. */
  dir: string;
  models: { image: string; derivatives: string };
  history: HistoryEntry[];
}

/** Reads a finished run's metrics.json into its results entry (zoom scores come later, from the report's renders). */
export async function readRunResult(out: string, run: StudyRun): Promise<RunResult> {
  const dir = posix.join(REPORT_FILES.runs, run.id);
  const m = JSON.parse(await readFile(join(out, dir, RUN_FILES.metrics), "utf8")) as RunMetrics;
  const metric = HEADLINE_METRIC[run.task];
  const curveMetric = CURVE_METRIC[run.task];
  const optional = (key: string) => (typeof m[key] === "number" ? { [key]: m[key] as number } : {});
  const history: HistoryEntry[] = m.history;
  return {
    id: run.id,
    task: run.task,
    model: modelLabel(run.model),
    metric,
    value: typeof m[metric] === "number" ? (m[metric] as number) : Number.NaN,
    psnr: m.psnr,
    ...optional("psnrAffine"),
    ...optional("psnrUnseen"),
    ...optional("psnrKnown"),
    ...(run.points === undefined ? {} : { points: run.points }),
    ...(run.alpha === undefined ? {} : { alpha: run.alpha }),
    ...(run.factor === undefined ? {} : { factor: run.factor }),
    trainSize: m.image.width,
    curve: history.flatMap((h) =>
      typeof h[curveMetric] === "number" ? [[h.step, h[curveMetric] as number] as [number, number]] : [],
    ),
    curveMetric,
    steps: m.steps,
    seconds: m.seconds,
    msPerStep: m.msPerStep,
    dir,
    models: {
      image: posix.join(REPORT_FILES.models, `${run.id}.onnx`),
      derivatives: posix.join(REPORT_FILES.models, `${run.id}.deriv.onnx`),
    },
    history: m.history,
  };
}

/** A classical reconstruction from the same derivatives as a Poisson run. */
export interface SolverResult {
  /** PSNR after fitting what the supervision leaves free (the constant; for the Laplacian its 5-dim null space). */
  psnr: number;
  /** PSNR after the networks' affine fit only (for the Laplacian, with the solver's own null-space part: none). */
  psnrAffine: number;
  ms: number;
  iterations: number;
  /** Relative residual of the equations solved. */
  residual: number;
}

/** The floors and classical anchors of a derivative-supervised task. */
export interface PoissonBaseline {
  /** PSNR of the best constant image (per-channel mean) against the task's reference. */
  constant: number;
  /** PSNR of the best image made of the supervision's null space alone (the floor of the null-space column). */
  nullSpaceFloor: number;
  solver: SolverResult;
}

/** The trivial and classical references of every table (all PSNR in dB, [0, 1] units). */
export interface Baselines {
  poisson: Partial<Record<"poisson-gradient" | "poisson-laplacian" | "blend", PoissonBaseline>>;
  /** By known-pixel count K: PSNR on the unseen pixels. */
  inpaint: Record<string, { delaunay: number; constant: number }>;
  /** By downsampling factor: PSNR against the original. */
  zoom: Record<string, { bicubic: number; lanczos3: number; constant: number }>;
}

/** A run's entry of results.json (the full history stays in the run's metrics.json). */
export type RunSummary = Omit<RunResult, "history">;

/** results.json: everything the report's tables and sentences are made from. */
export interface StudyResultsFile {
  study: string;
  config: StudyConfig;
  images: { image: string; image2: string };
  paper: typeof PAPER_POISSON;
  paperNormalisation: string;
  runs: Record<string, RunSummary>;
  baselines: Baselines;
}

export function studyResults(
  results: RunResult[],
  baselines: Baselines,
  header: Pick<StudyResultsFile, "study" | "config" | "images">,
): StudyResultsFile {
  const runs = Object.fromEntries(results.map(({ history: _history, ...r }) => [r.id, r]));
  return { ...header, paper: PAPER_POISSON, paperNormalisation: PAPER_NORMALISATION, runs, baselines };
}

export function resultsJson(file: StudyResultsFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
