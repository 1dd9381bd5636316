import { formatRegion, type Region, type RenderOutput } from "@siren-onnx/core";
import type { ModelEntry } from "../shared/model-entry.ts";
import type { PictureRequest, Renderer, ViewJob } from "./renderer.ts";

/** Refused while the server's render queue is full: retry this many times, as Retry-After says. */
const BUSY_RETRIES = 5;

function renderUrl(model: ModelEntry, output: RenderOutput, region: Region, width: number, height: number): URL {
  const url = new URL("api/render", document.baseURI);
  url.search = new URLSearchParams({
    model: model.name,
    output,
    width: String(width),
    height: String(height),
    region: formatRegion(region),
  }).toString();
  return url;
}

async function fetchPng(url: URL, signal: AbortSignal): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, { signal });
    if (response.ok) return response;
    if (response.status === 503 && attempt < BUSY_RETRIES) {
      const seconds = Number(response.headers.get("Retry-After")) || 1;
      await new Promise((resolve) => setTimeout(resolve, 1000 * seconds));
      continue;
    }
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    throw new Error(body.error ?? `HTTP ${response.status}`);
  }
}

/**
 * Renders through `siren serve`'s /api/render (onnxruntime-node, the code of `siren render`):
 * a quarter-resolution picture first, then the full one.
 */
export class ServerRenderer implements Renderer {
  readonly description = "server (onnxruntime-node)";
  readonly approximateDerivatives = false;
  readonly hasValues = false;
  private controller: AbortController | undefined;

  render(job: ViewJob): void {
    this.cancel();
    const controller = new AbortController();
    this.controller = controller;
    const { width, height, region, output } = job;
    const levels = [
      { width: Math.max(2, Math.ceil(width / 4)), height: Math.max(2, Math.ceil(height / 4)), tileRows: height },
      { width, height, tileRows: height },
    ];
    for (const { pane } of job.panes) pane.begin(region, levels, output);
    const started = performance.now();
    (async () => {
      for (let level = 0; level < levels.length; level++) {
        for (const { pane, model } of job.panes) {
          const { width: w, height: h } = levels[level];
          const response = await fetchPng(renderUrl(model, output, region, w, h), controller.signal);
          const bitmap = await createImageBitmap(await response.blob(), {
            premultiplyAlpha: "none",
            colorSpaceConversion: "none",
          });
          if (controller.signal.aborted) return;
          pane.levelImage(level, bitmap, response.headers.get("X-Siren-Normalisation") ?? "");
        }
      }
      job.onDone(performance.now() - started);
    })().catch((err: Error) => {
      if (!controller.signal.aborted) job.onError(err.message);
    });
  }

  cancel(): void {
    this.controller?.abort();
    this.controller = undefined;
  }

  async renderPng(request: PictureRequest, signal: AbortSignal): Promise<Blob> {
    const { model, output, region, width, height } = request;
    request.onProgress(0);
    const response = await fetchPng(renderUrl(model, output, region, width, height), signal);
    const blob = await response.blob();
    request.onProgress(1);
    return blob;
  }

  dispose(): void {
    this.cancel();
  }
}
