import type { ModelKind } from "@siren-onnx/core";

/** Messages between the Train panel (train-panel.ts) and train-worker.ts. */

export type TrainTask = "fit" | "poisson-gradient" | "poisson-laplacian" | "inpaint";
export type TrainBackend = "auto" | "wasm" | "webgpu";

/** Pixels in model units, as the trainer's ImageData: row-major [height * width, channels] in [-1, 1]. */
export interface Pixels {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Float32Array;
}

export interface TrainSettings {
  task: TrainTask;
  /** Side of the square training image (the source is centre-cropped, then resized). */
  size: number;
  width: number;
  hiddenLayers: number;
  steps: number;
  /** Undefined: the CLI's default for the task. */
  lr?: number;
  batch: number | "full";
  seed: number;
  /** Known pixels of the inpaint task. */
  points?: number;
  /** Evaluations (pictures, PSNR) every this many steps; undefined: about 60 per run. */
  evalEvery?: number;
}

/** The image to train on: a file's bytes (decoded in the worker, so a bad file never blocks the page) or pixels. */
export type TrainImage =
  | { kind: "file"; name: string; bytes: ArrayBuffer }
  | { kind: "pixels"; name: string; pixels: Pixels };

export type ToTrainWorker =
  | {
      type: "start";
      image: TrainImage;
      models: ModelKind[];
      settings: TrainSettings;
      backend: TrainBackend;
      wasmPaths: string;
    }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "stop" };

/** A trained model's files, as `siren train` + `siren export` write them. */
export interface TrainedFiles {
  name: string;
  checkpoint: Uint8Array;
  /** `<name>.onnx` and `<name>.deriv.onnx` (Sin/Cos nodes, as `siren export` writes them). */
  image: Uint8Array;
  derivatives: Uint8Array;
  /** The same files as the page's renderer runs them (sin and cos lowered; see model-variants.ts). */
  variants: {
    polynomial: { image: Uint8Array; derivatives: Uint8Array };
    webgpu: { image: Uint8Array; derivatives: Uint8Array };
  };
}

export type FromTrainWorker =
  | {
      type: "image";
      /** The training image as decoded, [0, 1] display values as RGBA bytes. */
      width: number;
      height: number;
      rgba: Uint8ClampedArray;
      notice?: string;
    }
  | { type: "started"; backend: "wasm" | "webgpu"; threads: number; description: string }
  | { type: "step"; model: number; step: number; steps: number; loss: number; msPerStep: number }
  | {
      type: "picture";
      model: number;
      step: number;
      psnr: number;
      /** The reconstruction and the gradient magnitude |∇| (normalised), RGBA bytes. */
      image: Uint8ClampedArray;
      gradient: Uint8ClampedArray;
    }
  | {
      type: "done";
      model: number;
      stopped: boolean;
      psnr: number;
      bestStep: number;
      stepsDone: number;
      seconds: number;
      msPerStep: number;
      files: TrainedFiles;
      /** The kept weights (tests compare them with a CLI run). */
      params: { weight: Float32Array; bias: Float32Array }[];
      lastParams: { weight: Float32Array; bias: Float32Array }[];
    }
  | { type: "finished" }
  | { type: "error"; model?: number; message: string };
