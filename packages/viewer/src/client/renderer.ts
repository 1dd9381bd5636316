import type { Region, RenderOutput } from "@siren-onnx/core";
import type { ModelEntry } from "../shared/model-entry.ts";
import type { Pane } from "./pane.ts";

/** One render of the current view into every pane. */
export interface ViewJob {
  panes: Array<{ pane: Pane; model: ModelEntry }>;
  output: RenderOutput;
  region: Region;
  width: number;
  height: number;
  onDone: (ms: number) => void;
  onError: (message: string) => void;
}

/** One picture at a chosen size (save as PNG). */
export interface PictureRequest {
  model: ModelEntry;
  output: RenderOutput;
  region: Region;
  width: number;
  height: number;
  onProgress: (fraction: number) => void;
}

/** Where pictures are computed: onnxruntime-web in a worker, or the server's /api/render. */
export interface Renderer {
  /** For the status line, e.g. "wasm · 2 threads". */
  readonly description: string;
  /** WebGPU's sin is only ~2e-4 accurate, which derivatives amplify. */
  readonly approximateDerivatives: boolean;
  /** Raw values are known (cursor readout); the server only sends pictures. */
  readonly hasValues: boolean;
  /** Starts rendering the view, abandoning the previous view job. */
  render(job: ViewJob): void;
  cancel(): void;
  renderPng(request: PictureRequest, signal: AbortSignal): Promise<Blob>;
  dispose(): void;
}
