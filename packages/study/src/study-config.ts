import { fileURLToPath } from "node:url";
import type { ModelKind, Region } from "@siren-onnx/core";
import { MIN_IMAGE_SIZE, type Schedule, type TaskName } from "@siren-onnx/trainer";

/** Training settings of every run of a study; each one left out is each task's own default (trainDefaults). */
export interface StudyTraining {
  lr?: number;
  batch?: number | "full";
  schedule?: Schedule;
}

/** What one study trains: image size, network shape, steps per task and the model line-up. */
export interface StudyConfig {
  /** "full", "quick", "reference", or "custom" when tests or callers override fields. */
  name: string;
  /** Side of the square training images. */
  size: number;
  width: number;
  hiddenLayers: number;
  /** Adam steps per task; a task left out trains each model kind for its own default (trainDefaults(task, model)). */
  steps: Partial<Record<TaskName, number>>;
  /** lr, batch and schedule of every run (zoom runs too); unset: each task's defaults (trainDefaults). */
  training?: StudyTraining;
  /** Models of the fitting and derivative comparison. */
  fitModels: ModelKind[];
  /** Models of the Poisson table of the paper (gradient and Laplacian). */
  poissonModels: ModelKind[];
  blendModels: ModelKind[];
  inpaintModels: ModelKind[];
  /** Known pixels of the inpainting runs at 256²; scaled by the pixel count at other sizes. */
  inpaintPoints256: number[];
  /** Models of the held-out zoom experiment, each fitted to the image box-downsampled by each factor. */
  zoomModels: ModelKind[];
  /** Downsampling factors of the zoom experiment (those that do not divide the size are skipped). */
  zoomFactors: number[];
  /** Adam steps of a zoom run (fitting's lr, batch and schedule, or `training`'s). */
  zoomSteps: number;
  blendAlpha: number;
  /** Where the out-of-sample pictures look (the training domain is [-1, 1]²). */
  outOfSample: Region;
  /** Evaluations per run are steps / 20 by default (defaultEvalEvery); tests may evaluate more often. */
  evalEvery?: number;
  threads?: number;
}

const ALL_TASKS = (pick: (task: TaskName) => number): Record<TaskName, number> => ({
  fit: pick("fit"),
  "poisson-gradient": pick("poisson-gradient"),
  "poisson-laplacian": pick("poisson-laplacian"),
  blend: pick("blend"),
  inpaint: pick("inpaint"),
});

/** Every model kind of the fitting comparison: the paper's five, then FINER and Gauss, which came after it. */
const ALL_KINDS: ModelKind[] = ["sine", "relu", "tanh", "sigmoid", "relu-pe", "finer", "gauss"];

/**
 * FINER and Gauss are in the fitting and zoom rows only: their Poisson runs (FINER's step costs
 * about 1.5x SIREN's) or inpainting runs would take the full study past 45 minutes on 2 cores.
 */
const LINE_UP = {
  fitModels: ALL_KINDS,
  poissonModels: ["tanh", "relu-pe", "sine"] as ModelKind[],
  blendModels: ["sine"] as ModelKind[],
  inpaintModels: ["sine"] as ModelKind[],
  inpaintPoints256: [1000, 5000, 10000, 30000],
  zoomModels: ALL_KINDS,
  zoomFactors: [2, 4],
  blendAlpha: 0.5,
  outOfSample: { x0: -3, y0: -3, x1: 3, y1: 3 },
};

/**
 * The paper's images and network at the trainer's time-to-quality defaults. Fitting runs the
 * trainer's default (a 60-step warm start at 128², then 200 steps) and zoom runs 150 (fitting had
 * 1000 before the zoom runs were added, then 500 with 250 zoom steps, then 300 without a warm
 * start before the December 2026 defaults): the study stays within 45 minutes on 2 cores.
 */
export const FULL_STUDY: StudyConfig = {
  name: "full",
  size: 256,
  width: 256,
  hiddenLayers: 3,
  steps: {},
  zoomSteps: 150,
  ...LINE_UP,
};

/** Smaller images, a narrower network and fewer steps: under 10 minutes on 2 cores. */
export const QUICK_STUDY: StudyConfig = {
  name: "quick",
  size: 128,
  width: 128,
  hiddenLayers: 3,
  steps: { fit: 300, "poisson-gradient": 300, "poisson-laplacian": 200, blend: 300, inpaint: 400 },
  zoomSteps: 300,
  ...LINE_UP,
};

/** The paper's training settings (SIREN, Sitzmann et al. 2020): Adam at lr 1e-4 on every pixel, no decay. */
export const REFERENCE_TRAINING: Required<StudyTraining> = { lr: 1e-4, batch: "full", schedule: "constant" };

/**
 * `siren study --reference`: the full study's runs at the paper's settings, 10k steps (3k for
 * blending, as in the paper), zoom runs as long as the fits. Meant for a machine with a GPU.
 */
export const REFERENCE_STUDY: StudyConfig = {
  name: "reference",
  size: 256,
  width: 256,
  hiddenLayers: 3,
  steps: { ...ALL_TASKS(() => 10_000), blend: 3_000 },
  training: REFERENCE_TRAINING,
  zoomSteps: 10_000,
  ...LINE_UP,
};

/** The images bundled with the repository (data/). */
export const BUNDLED_IMAGES = {
  image: fileURLToPath(new URL("../../../data/camera.png", import.meta.url)),
  image2: fileURLToPath(new URL("../../../data/astronaut.png", import.meta.url)),
};

/** The zoom factors that apply at this config's size: they divide it and leave a trainable image (8 pixels a side). */
export function zoomFactors(config: StudyConfig): number[] {
  return [...new Set(config.zoomFactors)].filter(
    (f) => Number.isInteger(f) && f >= 2 && config.size % f === 0 && config.size / f >= MIN_IMAGE_SIZE,
  );
}

/** The inpainting point counts at this config's size: the 256² counts scaled by the pixel count. */
export function inpaintPoints(config: StudyConfig): number[] {
  const pixels = config.size * config.size;
  const scaled = config.inpaintPoints256.map((k) => Math.min(pixels, Math.max(1, Math.round((k * pixels) / 65536))));
  return [...new Set(scaled)];
}

/** The study's training settings in words, e.g. "lr 1e-4, full batch, constant schedule". */
export function describeTraining(config: StudyConfig): string {
  const { lr, batch, schedule } = config.training ?? {};
  const given = [
    lr === undefined ? "" : `lr ${lr.toExponential()}`,
    batch === undefined ? "" : batch === "full" ? "full batch" : `batches of ${batch} pixels`,
    schedule === undefined ? "" : `${schedule} schedule`,
  ].filter(Boolean);
  if (given.length === 0)
    return "each task's (and model kind's) default lr, batch and schedule (the trainer's time-to-quality settings)";
  return given.length === 3 ? given.join(", ") : `${given.join(", ")}, else each task's defaults`;
}
