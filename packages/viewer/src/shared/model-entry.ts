import type { RenderOutput } from "@siren-onnx/core";
import type { ModelMetadata } from "@siren-onnx/onnx-graph";

/** What GET /api/models returns; shared by the server and the page (types and pure functions only). */

/** A model as the server offers it: `<name>.onnx` and/or `<name>.deriv.onnx` in the models directory. */
export interface ModelEntry {
  name: string;
  label: string;
  /** File names, served under /models/. */
  files: { image?: string; derivatives?: string };
  /** Metadata of the image file (or of the derivative file when there is no image file). */
  metadata: ModelMetadata;
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

/** The file that renders `output`: the image-only graph when it suffices (onnxruntime runs every node). */
export function modelFileFor(entry: ModelEntry, output: RenderOutput): string | undefined {
  return output === "image" ? (entry.files.image ?? entry.files.derivatives) : entry.files.derivatives;
}
