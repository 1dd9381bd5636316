import { formatRegion, parseRegion, RENDER_OUTPUTS, type Region, type RenderOutput } from "@siren-onnx/core";

/** Where the page renders: in the browser (onnxruntime-web) or on the server (/api/render). */
export const BACKENDS = ["auto", "wasm", "webgpu", "server"] as const;
export type Backend = (typeof BACKENDS)[number];

/**
 * What the URL holds, so a view can be shared and reopened: `?model=siren,relu&output=laplacian
 * &region=x0,y0,x1,y1[&backend=server][&scales=pane]`. The parameter names match /api/render's.
 */
export interface UrlState {
  /** 1 to 4 model names; more than one is a side-by-side comparison. */
  models: string[];
  output: RenderOutput;
  region?: Region;
  backend: Backend;
  /** Derivative colour scales in Compare: one shared by the panes (default, comparable), or each pane's own. */
  scales: ScaleMode;
}

export const SCALE_MODES = ["shared", "pane"] as const;
export type ScaleMode = (typeof SCALE_MODES)[number];

export const MAX_PANES = 4;

/** Reads the URL's state; unknown or malformed values fall back to defaults (listed in `problems`). */
export function parseUrlState(search: string, available: string[]): { state: UrlState; problems: string[] } {
  const params = new URLSearchParams(search);
  const problems: string[] = [];
  const requested = (params.get("model") ?? "").split(",").filter((m) => m !== "");
  const unknown = requested.filter((m) => !available.includes(m));
  if (unknown.length > 0) problems.push(`unknown model ${unknown.join(", ")}`);
  let models = [...new Set(requested.filter((m) => available.includes(m)))].slice(0, MAX_PANES);
  // `available` comes SIREN first (see model-list.ts): the first is the natural default.
  if (models.length === 0) models = available.slice(0, 1);

  const outputText = params.get("output") ?? "image";
  const output = (RENDER_OUTPUTS as readonly string[]).includes(outputText) ? (outputText as RenderOutput) : "image";
  if (output !== outputText) problems.push(`unknown output ${outputText}`);

  let region: Region | undefined;
  const regionText = params.get("region");
  if (regionText !== null) {
    try {
      region = parseRegion(regionText);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  const backendText = params.get("backend") ?? "auto";
  const backend = (BACKENDS as readonly string[]).includes(backendText) ? (backendText as Backend) : "auto";
  if (backend !== backendText) problems.push(`unknown backend ${backendText}`);
  const scalesText = params.get("scales") ?? "shared";
  const scales = (SCALE_MODES as readonly string[]).includes(scalesText) ? (scalesText as ScaleMode) : "shared";
  if (scales !== scalesText) problems.push(`unknown scales ${scalesText}`);
  return { state: { models, output, region, backend, scales }, problems };
}

export function formatUrlState(state: UrlState): string {
  const params = new URLSearchParams();
  params.set("model", state.models.join(","));
  params.set("output", state.output);
  if (state.region) params.set("region", formatRegion(state.region));
  if (state.backend !== "auto") params.set("backend", state.backend);
  if (state.scales !== "shared") params.set("scales", state.scales);
  // Commas are safe in a query and keep the URL readable.
  return `?${params.toString().replaceAll("%2C", ",")}`;
}
