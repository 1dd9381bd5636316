import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { RUN_FILES, UserError } from "@siren-onnx/core";
import { readOutputDir, writeFileAtomic } from "@siren-onnx/core/node";
import { trainDefaults, warmStartFor } from "@siren-onnx/trainer";
import type { StudyConfig } from "./study-config.ts";
import { type StudyRun, trainerTask, trainingSize } from "./study-plan.ts";

/** The layout of a report folder. */
export const REPORT_FILES = {
  /** Marks the folder as a study report (and records how it was made). */
  marker: "study.json",
  html: "index.html",
  results: "results.json",
  runs: "runs",
  models: "models",
  pictures: "pictures",
} as const;

/** Written into a run's folder once it has finished: what exactly was trained there. */
export const RUN_FINGERPRINT = "study-run.json";

export interface StudyInputs {
  image: string;
  image2: string;
}

/** Content hashes, so a run is only reused for the very same images. */
export async function imageHashes(inputs: StudyInputs): Promise<Record<keyof StudyInputs, string>> {
  const hash = async (path: string) => {
    try {
      return createHash("sha256")
        .update(await readFile(path))
        .digest("hex")
        .slice(0, 16);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UserError(code === "ENOENT" ? `image not found: ${path}` : `cannot read image ${path} (${code})`);
    }
  };
  return { image: await hash(inputs.image), image2: await hash(inputs.image2) };
}

/**
 * Everything that decides a run's result: a finished run is reused only when its fingerprint
 * matches (so changing --quick or --reference, the images or the study's settings, lr, batch and
 * schedule included, and the trainer's warm start where a task has one, retrains it).
 * The device is not in it: it changes the speed, not the run.
 * The run's lr, batch and schedule sit where they were before runs carried them (beside the
 * seed), so the runs of a study made before are still recognised.
 */
export function runFingerprint(run: StudyRun, config: StudyConfig, hashes: Record<string, string>): string {
  const { size, width, hiddenLayers, evalEvery } = config;
  const images = run.task === "blend" ? hashes : { image: hashes.image };
  const { lr, batch, schedule, ...planned } = run;
  const task = trainerTask(run.task);
  const { seed } = trainDefaults(task, run.model);
  const side = trainingSize(run, config);
  // Keyed `coarse` as before the warm start had other kinds: older studies' fingerprints still match.
  const coarse = warmStartFor(task, batch, side, side, run.model);
  return JSON.stringify({
    run: planned,
    size,
    width,
    hiddenLayers,
    evalEvery,
    lr,
    batch,
    schedule,
    coarse,
    seed,
    images,
  });
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, "utf8").catch(() => undefined);
}

/** A run counts as finished when it has its metrics.json and the fingerprint of this very run. */
export async function isFinished(dir: string, fingerprint: string): Promise<boolean> {
  const [recorded, metrics] = await Promise.all([
    readText(join(dir, RUN_FINGERPRINT)),
    readText(join(dir, RUN_FILES.metrics)),
  ]);
  return metrics !== undefined && recorded?.trim() === fingerprint;
}

export async function markFinished(dir: string, fingerprint: string): Promise<void> {
  await writeFileAtomic(join(dir, RUN_FINGERPRINT), `${fingerprint}\n`);
}

/**
 * Creates the report folder or reopens one for resuming. A non-empty folder that is not a
 * study report is refused unless forced, so a typo in --out cannot litter someone's folder.
 */
export async function openReportFolder(out: string, force: boolean, description: unknown): Promise<void> {
  const entries = (await readOutputDir(out)) ?? [];
  if (entries.length > 0 && !entries.includes(REPORT_FILES.marker) && !force) {
    throw new UserError(
      `--out: ${out} is not empty and holds no ${REPORT_FILES.marker} (not a study report); choose another --out or pass --force`,
    );
  }
  try {
    for (const sub of [REPORT_FILES.runs, REPORT_FILES.models, REPORT_FILES.pictures]) {
      await mkdir(join(out, sub), { recursive: true });
    }
  } catch (err) {
    throw new UserError(`--out: cannot create ${out} (${(err as NodeJS.ErrnoException).code})`);
  }
  await writeFileAtomic(join(out, REPORT_FILES.marker), `${JSON.stringify(description, null, 2)}\n`);
}
