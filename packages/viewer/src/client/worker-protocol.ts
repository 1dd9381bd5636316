import type { Region, RenderOutput } from "@siren-onnx/core";
import type { Level } from "./render-plan.ts";

/** Messages between the page and render-worker.ts. */

export type WorkerBackend = "auto" | "wasm" | "webgpu";

export interface PaneTask {
  paneId: number;
  /** URL of the .onnx file to run (the derivative file only for derivative outputs). */
  modelUrl: string;
  output: RenderOutput;
}

export type ToWorker =
  | { type: "init"; backend: WorkerBackend; wasmPaths: string }
  | {
      type: "render";
      jobId: number;
      /** An interactive job supersedes the previous interactive job; others run until cancelled. */
      interactive: boolean;
      region: Region;
      levels: Level[];
      panes: PaneTask[];
    }
  | { type: "cancel"; jobId: number };

export type FromWorker =
  | { type: "ready"; backend: "wasm" | "webgpu"; threads: number }
  | { type: "init-error"; message: string }
  | {
      type: "tile";
      jobId: number;
      paneId: number;
      level: number;
      rowStart: number;
      rowEnd: number;
      channels: number;
      /** valuesPerPoint(output, channels) floats per point, row-major. */
      values: Float32Array;
    }
  | { type: "done"; jobId: number; ms: number }
  | { type: "error"; jobId: number; message: string };
