import { readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { modelLabel } from "@siren-onnx/core";
import { type HistoryEntry, RUN_FILES, type TaskName } from "@siren-onnx/trainer";
import { REPORT_FILES } from "./study-folder.ts";
import type { StudyRun } from "./study-plan.ts";

/** The headline number of each task: what its table ranks by. */
export const HEADLINE_METRIC: Record<TaskName, string> = {
  fit: "psnr",
  "poisson-gradient": "psnrAffine",
  "poisson-laplacian": "psnrAffine",
  blend: "psnrAffine",
  inpaint: "psnr",
};

/** The SIREN paper's Poisson table (256², 10k steps): PSNR in dB of the image rebuilt from its derivatives. */
export const PAPER_POISSON: Partial<Record<TaskName, Record<string, number>>> = {
  "poisson-gradient": { tanh: 25.8, "relu-pe": 26.4, siren: 32.9 },
  "poisson-laplacian": { tanh: 7.1, "relu-pe": 11.1, siren: 14.9 },
};

/** One run's entry of results.json. */
export interface RunResult {
  id: string;
  task: TaskName;
  model: string;
  /** The headline metric's name and value (dB). */
  metric: string;
  value: number;
  psnr: number;
  psnrAffine?: number;
  psnrUnseen?: number;
  psnrKnown?: number;
  points?: number;
  alpha?: number;
  steps: number;
  seconds: number;
  msPerStep: number;
  /** The run folder, relative to the report folder. */
  dir: string;
  models: { image: string; derivatives: string };
  history: HistoryEntry[];
}

/** Reads a finished run's metrics.json into its results entry. */
export async function readRunResult(out: string, run: StudyRun): Promise<RunResult> {
  const dir = posix.join(REPORT_FILES.runs, run.id);
  const m = JSON.parse(await readFile(join(out, dir, RUN_FILES.metrics), "utf8"));
  const metric = HEADLINE_METRIC[run.task];
  const optional = (key: string) => (typeof m[key] === "number" ? { [key]: m[key] as number } : {});
  return {
    id: run.id,
    task: run.task,
    model: modelLabel(run.model),
    metric,
    value: m[metric],
    psnr: m.psnr,
    ...optional("psnrAffine"),
    ...optional("psnrUnseen"),
    ...optional("psnrKnown"),
    ...(run.points === undefined ? {} : { points: run.points }),
    ...(run.alpha === undefined ? {} : { alpha: run.alpha }),
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

/** results.json: every run's numbers (histories stay in the runs' metrics.json). */
export function resultsJson(results: RunResult[], header: Record<string, unknown>): string {
  const runs = Object.fromEntries(results.map(({ history: _history, ...r }) => [r.id, r]));
  return `${JSON.stringify({ ...header, paper: PAPER_POISSON, runs }, null, 2)}\n`;
}
