import { basename, join, resolve } from "node:path";
import { modelLabel, UserError } from "@siren-onnx/core";
import { formatSeconds, Progress, writeFileAtomic } from "@siren-onnx/core/node";
import { exportCheckpoint } from "@siren-onnx/exporter";
import { parseDeviceName } from "@siren-onnx/sessions";
import { loadImage, type TrainImageOptions, trainImage } from "@siren-onnx/trainer";
import { studyConclusions } from "./conclusions.ts";
import { estimateRunSeconds, estimateStudySeconds, estimateWarmStartSeconds } from "./cost-model.ts";
import { reportHtml } from "./report-html.ts";
import { analyseReport, zoomInputFile } from "./report-pictures.ts";
import {
  HEADLINE_METRIC,
  type RunResult,
  readRunResult,
  resultsJson,
  type StudyResultsFile,
  studyResults,
} from "./results.ts";
import {
  BUNDLED_IMAGES,
  describeTraining,
  FULL_STUDY,
  QUICK_STUDY,
  REFERENCE_STUDY,
  type StudyConfig,
} from "./study-config.ts";
import {
  imageHashes,
  isFinished,
  markFinished,
  openReportFolder,
  REPORT_FILES,
  runFingerprint,
} from "./study-folder.ts";
import { planStudy, type StudyRun, trainerTask, trainingSize } from "./study-plan.ts";
import { writeZoomInput } from "./zoom.ts";

export interface RunStudyOptions {
  quick?: boolean;
  /** The paper's settings (REFERENCE_STUDY), meant for a machine with a GPU; not with `quick`. */
  reference?: boolean;
  /** Where the runs train: cpu (default) | cuda | webgpu | auto, as `siren train --device`. */
  device?: string;
  /** Default: the bundled data/camera.png and data/astronaut.png. */
  image?: string;
  image2?: string;
  /** Report folder (default "report"). */
  out?: string;
  /** Retrain finished runs, and accept a non-empty --out that is not a study report. */
  force?: boolean;
  /** Overrides of the full, quick or reference settings (tests use tiny images and networks). */
  config?: Partial<StudyConfig>;
  /** Status lines (default: stderr). */
  log?: (line: string) => void;
  /** Show the per-step progress line (default true). */
  progress?: boolean;
  /** Aborting stops after the current training step; finished runs are kept for resuming. */
  signal?: AbortSignal;
  /** Sees every run's training options before it trains (tests assert on what each model is shown). */
  onTrain?: (run: StudyRun, options: TrainImageOptions) => void;
}

export interface StudyResult {
  out: string;
  html: string;
  results: string;
  runs: RunResult[];
  trained: number;
  reused: number;
  /** True when aborted: the report was not written; run again to resume. */
  stopped: boolean;
  seconds: number;
}

export function studyConfig(options: Pick<RunStudyOptions, "quick" | "reference" | "config">): StudyConfig {
  if (options.quick && options.reference) {
    throw new UserError(
      "--reference does not go with --quick: --reference is the paper's full settings (256², 10k steps), --quick the short CPU study",
    );
  }
  const base = options.reference ? REFERENCE_STUDY : options.quick ? QUICK_STUDY : FULL_STUDY;
  return options.config ? { ...base, name: "custom", ...options.config } : base;
}

/** Tracks the whole study's ETA: the cost model's estimate, scaled by how this machine did so far. */
class StudyClock {
  private predictedDone = 0;
  private readonly started = performance.now();

  constructor(private readonly predictedTotal: number) {}

  finish(predicted: number): void {
    this.predictedDone += predicted;
  }

  /** Seconds left when `partial` predicted seconds of the current run are done. */
  remaining(partial = 0): number {
    const done = this.predictedDone + partial;
    const elapsed = (performance.now() - this.started) / 1000;
    const speed = done > 0 && elapsed > 5 ? elapsed / done : 1;
    return Math.max(0, (this.predictedTotal - done) * speed);
  }
}

/**
 * Trains every run of the study into <out>/runs/<id> (reusing finished ones), exports each model
 * to <out>/models, renders the pictures and writes <out>/index.html and <out>/results.json.
 */
export async function runStudy(options: RunStudyOptions = {}): Promise<StudyResult> {
  const started = performance.now();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const config = studyConfig(options);
  if (options.device !== undefined) parseDeviceName(options.device);
  const out = options.out ?? "report";
  const images = {
    image: resolve(options.image ?? BUNDLED_IMAGES.image),
    image2: resolve(options.image2 ?? BUNDLED_IMAGES.image2),
  };
  const hashes = await imageHashes(images);
  const runs = planStudy(config);
  await openReportFolder(out, Boolean(options.force), { config, images, hashes });

  const runDir = (run: StudyRun) => join(out, REPORT_FILES.runs, run.id);
  const fingerprints = new Map(runs.map((r) => [r.id, runFingerprint(r, config, hashes)]));
  const finished = new Set<string>();
  if (!options.force) {
    for (const run of runs) if (await isFinished(runDir(run), fingerprints.get(run.id)!)) finished.add(run.id);
  }
  const todo = runs.filter((r) => !finished.has(r.id));
  const full = planStudy(FULL_STUDY);
  log(
    `study (${config.name}): ${runs.length} runs, ${finished.size} already finished; ` +
      `expected about ${formatSeconds(estimateStudySeconds(todo, config, runs))} on a 2-core machine, report included ` +
      `(the full study, ${full.length} runs at ${FULL_STUDY.size}²: about ${formatSeconds(estimateStudySeconds(full, FULL_STUDY))})`,
  );
  if (options.reference) {
    log(
      `--reference (the paper's settings: ${describeTraining(config)}, ${config.steps.fit} steps, blending ${config.steps.blend}) ` +
        "is meant for a machine with a GPU (--device cuda or auto): the time above is the 2-core CPU cost model's; the ETA while training follows this machine's speed",
    );
  }

  const clock = new StudyClock(estimateStudySeconds(todo, config, runs));
  /** Zoom runs train on the box-downsampled image, written once per factor as an ordinary PNG. */
  let fullImage: Awaited<ReturnType<typeof loadImage>> | undefined;
  const trainingImage = async (run: StudyRun): Promise<string> => {
    if (!run.factor) return images.image;
    fullImage ??= await loadImage(images.image, { size: config.size });
    const path = join(out, zoomInputFile(run.factor));
    await writeZoomInput(path, fullImage, run.factor);
    return path;
  };
  let trained = 0;
  let stopped = false;
  for (const [k, run] of runs.entries()) {
    const label = `[${k + 1}/${runs.length}] ${run.id}`;
    if (finished.has(run.id)) {
      log(`${label}: finished before, kept`);
    } else {
      const predicted = estimateRunSeconds(run, config);
      // The warm start's share of the prediction counts as done step by step, then the run's.
      const warm = estimateWarmStartSeconds(run, config);
      log(
        `${label}: ${run.task}, ${modelLabel(run.model)}, ${run.steps} steps (study eta ${formatSeconds(clock.remaining())})`,
      );
      const progress = options.progress === false ? undefined : new Progress(label, run.steps);
      // Zoom runs show their fit of the small image while training (the zoom score needs the report's render).
      const metric = run.task === "zoom" ? "psnr" : HEADLINE_METRIC[run.task];
      const trainOptions: TrainImageOptions = {
        image: await trainingImage(run),
        model: run.model,
        task: trainerTask(run.task),
        taskSettings: run.task === "zoom" ? {} : { image2: images.image2, alpha: run.alpha, points: run.points },
        size: trainingSize(run, config),
        steps: run.steps,
        lr: run.lr,
        batch: run.batch,
        schedule: run.schedule,
        device: options.device,
        width: config.width,
        hiddenLayers: config.hiddenLayers,
        evalEvery: config.evalEvery,
        threads: config.threads,
        out: runDir(run),
        force: true,
        signal: options.signal,
        onStep: ({ step, steps, lastMetrics, stage }) =>
          // A warm start counts its own steps: shown beside the run's bar, which stays at 0 meanwhile.
          stage
            ? progress?.update(0, {
                [stage]: `${step}/${steps}`,
                "study eta": formatSeconds(clock.remaining((warm * step) / steps)),
              })
            : progress?.update(step, {
                [metric]: lastMetrics ? `${lastMetrics[metric].toFixed(2)} dB` : "--",
                "study eta": formatSeconds(clock.remaining(warm + ((predicted - warm) * step) / run.steps)),
              }),
      };
      options.onTrain?.(run, trainOptions);
      const { result } = await trainImage(trainOptions);
      if (result.stopped) {
        progress?.stop();
        stopped = true;
        break;
      }
      await markFinished(runDir(run), fingerprints.get(run.id)!);
      clock.finish(predicted);
      trained++;
    }
    await exportCheckpoint(runDir(run), join(out, REPORT_FILES.models, run.id), { force: true });
  }

  const html = join(out, REPORT_FILES.html);
  const resultsPath = join(out, REPORT_FILES.results);
  if (stopped) {
    log(`stopped: ${trained} runs trained this time; run the same command again to resume`);
    return {
      out,
      html,
      results: resultsPath,
      runs: [],
      trained,
      reused: finished.size,
      stopped,
      seconds: elapsed(started),
    };
  }
  const read = await Promise.all(runs.map((run) => readRunResult(out, run)));
  log("rendering the report's pictures and the classical references...");
  const analysis = await analyseReport(out, config, images, read);
  const results = read.map((r) => ({ ...r, ...analysis.measurements[r.id] }));
  const imageNames = { image: basename(images.image), image2: basename(images.image2) };
  const json = resultsJson(
    studyResults(results, analysis.baselines, { study: config.name, config, images: imageNames }),
  );
  await writeFileAtomic(resultsPath, json);
  // The sentences are made from results.json as written, nothing else.
  const file = JSON.parse(json) as StudyResultsFile;
  await writeFileAtomic(
    html,
    reportHtml({
      config,
      imageNames,
      modelsDir: join(out, REPORT_FILES.models),
      results,
      file,
      conclusions: studyConclusions(file),
      imagePictures: analysis.imagePictures,
      runPictures: analysis.runPictures,
      classicalPictures: analysis.classicalPictures,
    }),
  );
  const seconds = elapsed(started);
  log(`wrote ${html} and ${resultsPath} (${trained} runs trained, ${finished.size} reused, ${formatSeconds(seconds)})`);
  return { out, html, results: resultsPath, runs: results, trained, reused: finished.size, stopped, seconds };
}

const elapsed = (since: number) => (performance.now() - since) / 1000;
