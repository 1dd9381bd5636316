/**
 * `pnpm models:sample [--force] [--out models] [--steps N]`: trains the small sample models of
 * data/camera.png that the viewer and `pnpm demo` show (SIREN and the paper's baselines, the
 * same size and settings for all) and exports them into models/ as `<name>.onnx`,
 * `<name>.deriv.onnx` and the checkpoint `<name>.safetensors`. Existing samples are kept unless
 * --force is given.
 */
import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  DERIVATIVE_MODEL_SUFFIX,
  IMAGE_MODEL_SUFFIX,
  type ModelKind,
  modelLabel,
  parsePositiveInt,
  RUN_FILES,
  UserError,
} from "@siren-onnx/core";
import { formatSeconds, Progress, writeFileAtomic } from "@siren-onnx/core/node";
import { exportCheckpoint } from "@siren-onnx/exporter";
import { trainImage } from "@siren-onnx/trainer";

export const SAMPLE_KINDS: ModelKind[] = ["sine", "relu", "tanh", "sigmoid", "relu-pe"];

/**
 * The reference size people train (2 -> 4x256 at 256^2), so the viewer shows what SIREN really does:
 * `siren train`'s defaults with 800 steps, about 2-3 minutes per model on two cores, ~1.6 MB per model.
 */
export const SAMPLE_SETTINGS = {
  image: "data/camera.png",
  size: 256,
  width: 256,
  hiddenLayers: 3,
  steps: 800,
  lr: 1e-3,
  batch: 16_384,
  seed: 0,
};

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

const SAMPLE_FILES = [IMAGE_MODEL_SUFFIX, DERIVATIVE_MODEL_SUFFIX, ".safetensors"];

async function samplePresent(prefix: string): Promise<boolean> {
  for (const suffix of SAMPLE_FILES) if (!(await exists(prefix + suffix))) return false;
  return true;
}

/** Whether every sample's files are in `dir`. */
export async function samplesPresent(dir: string): Promise<boolean> {
  for (const kind of SAMPLE_KINDS) if (!(await samplePresent(join(dir, modelLabel(kind))))) return false;
  return true;
}

export async function makeSampleModels(options: { out: string; force: boolean; steps: number }): Promise<void> {
  for (const kind of SAMPLE_KINDS) {
    const name = modelLabel(kind);
    const prefix = join(options.out, name);
    if (!options.force && (await samplePresent(prefix))) {
      console.log(`${name}: already in ${options.out} (--force retrains it)`);
      continue;
    }
    // Refuse before training, not after: a partial sample may be someone's own file.
    for (const suffix of SAMPLE_FILES) {
      if (!options.force && (await exists(prefix + suffix))) {
        throw new UserError(`${prefix + suffix} exists but ${name}'s sample is incomplete; --force replaces it`);
      }
    }
    const progress = new Progress(`train ${name}`, options.steps);
    const { dir, result } = await trainImage({
      ...SAMPLE_SETTINGS,
      model: kind,
      steps: options.steps,
      out: join("runs", "samples", name), // scratch: runs/ is not committed
      force: true,
      onStep: ({ step, lastMetrics }) =>
        progress.update(step, { psnr: lastMetrics ? `${lastMetrics.psnr.toFixed(2)} dB` : "--" }),
    });
    const exported = await exportCheckpoint(dir, prefix, { force: options.force });
    await writeFileAtomic(`${prefix}.safetensors`, await readFile(join(dir, RUN_FILES.checkpoint)));
    console.log(
      `${name}: PSNR ${result.metrics.psnr.toFixed(2)} dB after ${result.stepsDone} steps (${formatSeconds(result.seconds)}); ` +
        `wrote ${exported.imageModel}, ${exported.derivativeModel} (${(exported.bytes / 1024).toFixed(0)} kB)`,
    );
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: "string", default: "models" },
      steps: { type: "string", default: String(SAMPLE_SETTINGS.steps) },
      force: { type: "boolean", default: false },
    },
  });
  await makeSampleModels({
    out: values.out,
    force: values.force,
    steps: parsePositiveInt(values.steps, "--steps", 100_000),
  });
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? "")).href) {
  main().catch((err: Error) => {
    console.error(`error: ${err.message}`);
    process.exit(err instanceof UserError ? 2 : 1);
  });
}
