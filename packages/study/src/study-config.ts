import { fileURLToPath } from "node:url";
import type { ModelKind, Region } from "@siren-onnx/core";
import { MIN_IMAGE_SIZE, type TaskName, trainDefaults } from "@siren-onnx/trainer";

/** What one study trains: image size, network shape, steps per task and the model line-up. */
export interface StudyConfig {
  /** "full", "quick", or "custom" when tests or callers override fields. */
  name: string;
  /** Side of the square training images. */
  size: number;
  width: number;
  hiddenLayers: number;
  /** Adam steps per task; lr, batch and schedule are each task's defaults (trainDefaults). */
  steps: Record<TaskName, number>;
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
  /** Adam steps of a zoom run (fitting's lr, batch and schedule). */
  zoomSteps: number;
  blendAlpha: number;
  /** Where the out-of-sample pictures look (the training domain is [-1, 1]²). */
  outOfSample: Region;
  /** Evaluations per run are steps / 40 by default; tests may evaluate more often. */
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

const LINE_UP = {
  fitModels: ["sine", "relu", "tanh", "sigmoid", "relu-pe"] as ModelKind[],
  poissonModels: ["tanh", "relu-pe", "sine"] as ModelKind[],
  blendModels: ["sine"] as ModelKind[],
  inpaintModels: ["sine"] as ModelKind[],
  inpaintPoints256: [1000, 5000, 10000, 30000],
  zoomModels: ["sine", "relu", "tanh", "sigmoid", "relu-pe"] as ModelKind[],
  zoomFactors: [2, 4],
  blendAlpha: 0.5,
  outOfSample: { x0: -3, y0: -3, x1: 3, y1: 3 },
};

/**
 * The paper's images and network at the trainer's time-to-quality defaults; fitting over 500
 * steps for the curves (1000 before the zoom runs were added: the study stays within 45 minutes).
 */
export const FULL_STUDY: StudyConfig = {
  name: "full",
  size: 256,
  width: 256,
  hiddenLayers: 3,
  steps: { ...ALL_TASKS((task) => trainDefaults(task).steps), fit: 500 },
  zoomSteps: 250,
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
