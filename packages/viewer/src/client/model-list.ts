import { ACTIVATION_NAMES, modelFileFor, type RenderOutput } from "@siren-onnx/core";
import type { ModelEntry, ModelListing } from "../shared/model-entry.ts";

/** The models offered by the server, SIREN first, then the baselines in the paper's order. */
export async function fetchModels(): Promise<ModelListing> {
  const response = await fetch(new URL("api/models", document.baseURI));
  if (!response.ok) throw new Error(`GET /api/models: HTTP ${response.status}`);
  const listing = (await response.json()) as ModelListing;
  const rank = (m: ModelEntry) => ACTIVATION_NAMES.indexOf(m.metadata.spec.activation);
  listing.models.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  return listing;
}

/** URL of the file that renders `output`. */
export function modelFileUrl(model: ModelEntry, output: RenderOutput): string | undefined {
  const file = modelFileFor(model.files, output);
  return file === undefined ? undefined : new URL(`models/${encodeURIComponent(file)}`, document.baseURI).href;
}

/** One line about a model for its caption. */
export function describeModel(model: ModelEntry): string {
  const m = model.metadata;
  const s = m.spec;
  const size = `${m.source.width}×${m.source.height}`;
  const psnr = Number.isFinite(m.training.psnr) ? ` · ${m.training.psnr.toFixed(1)} dB` : "";
  return `${m.task} · ${s.hiddenLayers + 1}×${s.width} · ${size}${psnr}`;
}
