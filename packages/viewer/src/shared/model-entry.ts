import type { ModelFiles, ModelMetadata } from "@siren-onnx/core";

/** What GET /api/models returns; shared by the server and the page (types only). */

/** A model as the server offers it: `<name>.onnx` and/or `<name>.deriv.onnx` in the models directory. */
export interface ModelEntry {
  name: string;
  label: string;
  /** File names, served under /models/ (core's modelFileFor picks the one for an output). */
  files: ModelFiles;
  /** Metadata of the image file (or of the derivative file when there is no image file). */
  metadata: ModelMetadata;
  /**
   * Only for a model trained in the page (never sent by the server): blob: URLs of its files as
   * the page's renderer runs them, by variant (the server's `?trig=` variants).
   */
  local?: Record<"polynomial" | "webgpu", { image: string; derivatives: string }>;
}

/** A .onnx file the server does not offer, and why. */
export interface SkippedFile {
  file: string;
  reason: string;
}

export interface ModelListing {
  models: ModelEntry[];
  skipped: SkippedFile[];
  /** Set when the directory itself is unusable (missing, not a directory). */
  problem?: string;
}
