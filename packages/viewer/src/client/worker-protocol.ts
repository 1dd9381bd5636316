import type { Region } from "@siren-onnx/core";
import type { Level } from "./render-plan.ts";

/** Messages between the page and render-worker.ts. */

export type WorkerBackend = "auto" | "wasm" | "webgpu";

/** The ONNX outputs a render can fetch (see the ONNX contract). */
export type SourceName = "image" | "gradient" | "laplacian";
/** Raw ONNX outputs of some points: image [N, C], gradient [N, C, 2], laplacian [N, C]. */
export type Sources = Partial<Record<SourceName, Float32Array>>;

export interface PaneTask {
  paneId: number;
  /** URL of the .onnx file to run (the derivative file only when derivatives are fetched). */
  modelUrl: string;
  /** Every output of one run that the page keeps (one derivative run serves every channel). */
  fetch: SourceName[];
}

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  /** A software rasteriser (SwiftShader, llvmpipe): slower than wasm, never chosen by "auto". */
  software: boolean;
}

export type ToWorker =
  | { type: "init"; backend: WorkerBackend; wasmPaths: string }
  | {
      type: "render";
      jobId: number;
      /** A "view" job supersedes the previous view job at once; "save" jobs run behind it until cancelled. */
      kind: "view" | "save";
      region: Region;
      levels: Level[];
      panes: PaneTask[];
    }
  | { type: "cancel"; jobId: number }
  /** Runs a model on given points (speed probes, parity tests); goes before any render tile. */
  | { type: "evaluate"; jobId: number; modelUrl: string; coords: Float32Array; fetch: SourceName[] };

export type FromWorker =
  | { type: "ready"; backend: "wasm" | "webgpu"; threads: number; adapter?: AdapterInfo }
  | { type: "init-error"; message: string }
  | {
      type: "tile";
      jobId: number;
      paneId: number;
      level: number;
      rowStart: number;
      rowEnd: number;
      channels: number;
      sources: Sources;
      /** Time of the model run, for the engine's speed estimate. */
      ms: number;
      /** Model runs since the worker started (tests check that a channel switch runs none). */
      runs: number;
    }
  | { type: "evaluated"; jobId: number; channels: number; sources: Sources; ms: number; runs: number }
  | { type: "done"; jobId: number; ms: number }
  | { type: "error"; jobId: number; message: string };
