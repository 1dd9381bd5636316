import { join } from "node:path";
import {
  MODEL_NAMES,
  parseModelKind,
  parsePositiveInt,
  parsePositiveNumber,
  RUN_FILES,
  UserError,
} from "@siren-onnx/core";
import { formatSeconds, Progress } from "@siren-onnx/core/node";
import {
  MAX_IMAGE_SIZE,
  parseEngineName,
  parseTaskName,
  resumeRun,
  type Schedule,
  type StepInfo,
  TASK_NAMES,
  TRAIN_DEFAULTS,
  trainDefaults,
  trainImage,
} from "@siren-onnx/trainer";
import type { Command } from "commander";
import { DEVICE_HELP, deviceOption } from "../device-option.ts";
import { stopOnSignals } from "../stop-signals.ts";

interface TrainFlags {
  model: string;
  task: string;
  size: string;
  // Unset unless given, so a task's own defaults (TASK_DEFAULTS) apply.
  steps?: string;
  lr?: string;
  batch?: string;
  schedule?: string;
  seed: string;
  engine: string;
  device: string;
  threads?: string;
  width: string;
  layers: string;
  gray?: boolean;
  out?: string;
  force?: boolean;
  image2?: string;
  alpha?: string;
  points?: string;
  resume?: string;
  warmStart: boolean;
}

/** The only options that go with --resume: a resumed run keeps its settings and its folder. */
const RESUME_OPTIONS = new Set(["resume", "steps", "device", "threads"]);

function checkResumeFlags(image: string | undefined, command: Command): void {
  if (image !== undefined) throw new UserError("--resume continues the run's own image; drop the image argument");
  for (const option of command.options) {
    const key = option.attributeName();
    if (!RESUME_OPTIONS.has(key) && command.getOptionValueSource(key) === "cli") {
      throw new UserError(
        `${option.long} does not go with --resume: a resumed run keeps its settings and folder (only --steps, --device and --threads may be given)`,
      );
    }
  }
}

function parseBatch(text: string): number | "full" {
  return text === "full" ? "full" : parsePositiveInt(text, "--batch", 1 << 22);
}

function parseSchedule(text: string): Schedule {
  if (text !== "constant" && text !== "cosine")
    throw new UserError(`--schedule: expected constant or cosine, got "${text}"`);
  return text;
}

/** Flags that only one task reads: given to another task they are a mistake, not a no-op. */
const TASK_FLAGS = [
  ["image2", "--image2", "blend"],
  ["alpha", "--alpha", "blend"],
  ["points", "--points", "inpaint"],
] as const;

function checkTaskFlags(flags: TrainFlags, task: string): void {
  for (const [key, flag, owner] of TASK_FLAGS) {
    if (flags[key] !== undefined && task !== owner) {
      throw new UserError(`${flag} belongs to --task ${owner}, but the task is ${task}`);
    }
  }
}

function parseAlpha(text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new UserError(`--alpha: expected a number in [0, 1], got "${text}"`);
  }
  return n;
}

function parseSeed(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 0xffffffff)
    throw new UserError(`--seed: expected an integer in 0..4294967295, got "${text}"`);
  return n;
}

export function registerTrain(program: Command): void {
  const d = TRAIN_DEFAULTS;
  program
    .command("train")
    .description("fit a coordinate MLP to an image and write a run directory")
    .argument("[image]", "PNG, JPEG or WebP image (not with --resume)")
    .option("--model <kind>", MODEL_NAMES.join(" | "), "siren")
    .option("--task <task>", `what supervises the network: ${TASK_NAMES.join(" | ")}`, d.task)
    .option("--size <n>", `train on the centred square resized to n x n (8..${MAX_IMAGE_SIZE})`, String(d.size))
    .option("--steps <n>", `Adam steps (default: ${d.steps}, or the task's own)`)
    .option("--lr <x>", `learning rate (default: ${d.lr}, or the task's own; reference: 1e-4)`)
    .option("--batch <n|full>", `random pixels per step, or full (reference) (default: ${d.batch}, or the task's own)`)
    .option(
      "--schedule <s>",
      `learning-rate schedule: cosine (decays to 0) | constant (reference) (default: ${d.schedule}, or the task's own)`,
    )
    .option("--seed <n>", "seed of the weights and the batches", String(d.seed))
    .option("--engine <name>", "onnxruntime | tfjs", d.engine)
    .option("--device <name>", DEVICE_HELP, "cpu")
    .option("--threads <n>", "CPU threads of onnxruntime (default: all cores)")
    .option("--width <n>", "hidden width", String(d.width))
    .option("--layers <n>", "hidden width->width layers", String(d.hiddenLayers))
    .option("--gray", "train on one grayscale channel even for a colour image")
    .option("--image2 <path>", "blend: the second image")
    .option("--alpha <x>", "blend: weight of the first image's gradient")
    .option("--points <k>", "inpaint: number of known pixels")
    .option(
      "--no-warm-start",
      "skip the task's warm start (fit: on an image with more pixels than a batch; the derivative tasks: above 128²)",
    )
    .option("--out <dir>", "run directory (default runs/<image>-<model>[-<task>])")
    .option("--force", "overwrite the run files of a non-empty --out directory")
    .option("--resume <run-dir>", "continue a stopped run in its folder, up to --steps total (default: its own target)")
    .action(async (image: string | undefined, flags: TrainFlags, command: Command) => {
      const threads = flags.threads === undefined ? undefined : parsePositiveInt(flags.threads, "--threads", 256);
      // Probed (and reported) before the image is read; the onnxruntime engine reuses the result.
      if (flags.device !== "cpu" && flags.device !== "cuda" && flags.engine !== "tfjs")
        await deviceOption(flags.device);
      if (flags.resume !== undefined) {
        checkResumeFlags(image, command);
        const steps = flags.steps === undefined ? undefined : parsePositiveInt(flags.steps, "--steps", 1_000_000);
        const dir = flags.resume;
        await runTraining((run) => resumeRun({ dir, steps, device: flags.device, threads, ...run }));
        return;
      }
      if (image === undefined) throw new UserError("missing required argument 'image' (or --resume <run-dir>)");
      const task = parseTaskName(flags.task);
      const model = parseModelKind(flags.model);
      checkTaskFlags(flags, task);
      const steps =
        flags.steps === undefined
          ? trainDefaults(task, model).steps
          : parsePositiveInt(flags.steps, "--steps", 1_000_000);
      const options = {
        image,
        model,
        task,
        size: parsePositiveInt(flags.size, "--size", MAX_IMAGE_SIZE),
        steps,
        lr: flags.lr === undefined ? undefined : parsePositiveNumber(flags.lr, "--lr"),
        batch: flags.batch === undefined ? undefined : parseBatch(flags.batch),
        schedule: flags.schedule === undefined ? undefined : parseSchedule(flags.schedule),
        seed: parseSeed(flags.seed),
        engine: parseEngineName(flags.engine),
        device: flags.device,
        threads,
        width: parsePositiveInt(flags.width, "--width", 4096),
        hiddenLayers: parsePositiveInt(flags.layers, "--layers", 64),
        gray: flags.gray,
        warmStart: flags.warmStart,
        out: flags.out,
        force: flags.force,
        taskSettings: {
          image2: flags.image2,
          alpha: flags.alpha === undefined ? undefined : parseAlpha(flags.alpha),
          points: flags.points === undefined ? undefined : parsePositiveInt(flags.points, "--points"),
        },
      };
      await runTraining((run) => trainImage({ ...options, ...run }));
    });
}

type Train = (run: { signal: AbortSignal; onStep: (info: StepInfo) => void }) => ReturnType<typeof trainImage>;

/**
 * Runs a training with a progress display and prints where the run went. SIGINT, SIGTERM and
 * SIGHUP stop it after the current step; the run is then written and the exit code is 130, 143
 * or 129 (128 + the signal, as a shell reports it).
 */
async function runTraining(train: Train): Promise<void> {
  let progress: Progress | undefined;
  let start: number | undefined;
  let stage: string | undefined;
  const controller = new AbortController();
  const signals = stopOnSignals(controller, (message) => {
    progress?.stop();
    console.error(message);
  });
  try {
    const { dir, result } = await train({
      signal: controller.signal,
      onStep: ({ step, steps, loss, lastMetrics, stage: stepStage }) => {
        if (stepStage !== stage) {
          // The warm start has its own bar; the run proper starts a fresh one.
          progress?.stop();
          progress = undefined;
          start = undefined;
          stage = stepStage;
        }
        // A resumed run counts (and estimates the time of) its new steps only.
        start ??= step - 1;
        progress ??= new Progress(stage ?? (start > 0 ? `train (resumed at step ${start})` : "train"), steps - start);
        progress.update(step - start, {
          loss: loss.toExponential(3),
          psnr: lastMetrics ? `${lastMetrics.psnr.toFixed(2)} dB` : "--",
          // Derivative-only tasks are scored after an affine fit (see the README, "Tasks").
          ...(lastMetrics?.psnrAffine === undefined ? {} : { affine: `${lastMetrics.psnrAffine.toFixed(2)} dB` }),
        });
      },
    });
    const m = result.metrics;
    const extra = Object.entries(m)
      .filter(([k]) => k !== "psnr" && k !== "score")
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(", ");
    console.log(
      `${result.stopped ? "stopped" : "done"}: ${result.stepsDone} steps in ${formatSeconds(result.seconds)} ` +
        `(${result.msPerStep.toFixed(0)} ms/step, ${result.engineDescription}); PSNR ${m.psnr.toFixed(2)} dB` +
        `${extra ? `, ${extra}` : ""} (best at step ${result.bestStep})`,
    );
    for (const file of Object.values(RUN_FILES)) console.log(`  ${join(dir, file)}`);
    const code = signals.exitCode();
    if (code !== undefined) process.exitCode = code;
  } finally {
    signals.dispose();
  }
}
