import { formatRegion, type Region, type RenderOutput, TRAINING_DOMAIN } from "@siren-onnx/core";
import type { ModelEntry } from "../shared/model-entry.ts";
import { debugLog, recordModelRuns } from "./debug-log.ts";
import { coarsePointsFor, planLevels } from "./render-plan.ts";
import {
  type PictureRequest,
  type ProbeResult,
  probeCosts,
  type Renderer,
  SERVER_PROBE_SIDES,
  type ViewJob,
  ViewJobTracker,
} from "./renderer.ts";
import { floatsPerPoint, sourcesToFetch } from "./view-sources.ts";
import type { SourceName, Sources } from "./worker-protocol.ts";

/** Refused while the server's render queue is full: retry this many times, as Retry-After says. */
const BUSY_RETRIES = 5;

function renderUrl(
  model: ModelEntry,
  output: RenderOutput,
  region: Region,
  width: number,
  height: number,
  format: "png" | "raw",
): URL {
  const url = new URL("api/render", document.baseURI);
  url.search = new URLSearchParams({
    model: model.name,
    output,
    width: String(width),
    height: String(height),
    region: formatRegion(region),
    format,
  }).toString();
  return url;
}

async function fetchRender(url: URL, signal: AbortSignal): Promise<Response> {
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

/** Splits a format=raw body into its outputs (named by X-Siren-Sources, in that order). */
async function rawSources(response: Response, points: number): Promise<{ sources: Sources; channels: number }> {
  const names = (response.headers.get("X-Siren-Sources") ?? "").split(",") as SourceName[];
  const channels = Number(response.headers.get("X-Siren-Channels"));
  const all = new Float32Array(await response.arrayBuffer());
  const sources: Sources = {};
  let at = 0;
  for (const name of names) {
    const n = points * floatsPerPoint(name, channels);
    sources[name] = all.subarray(at, at + n);
    at += n;
  }
  if (at !== all.length || !Number.isInteger(channels) || channels < 1) {
    throw new Error("the server's raw render does not match its headers");
  }
  return { sources, channels };
}

/**
 * Renders through `siren serve`'s /api/render (onnxruntime-node): raw values, a coarse level
 * first, so the page colours, caches and reads out exactly as with the browser renderer. A
 * newer view aborts the request; the server stops a render between tiles when its client goes.
 */
export class ServerRenderer implements Renderer {
  readonly description = "server (onnxruntime-node)";
  private controller: AbortController | undefined;
  private nextJobId = 1;
  private runs = 0;
  /** Measured points per millisecond, for the size of the first level. */
  private pointsPerMs: number | undefined;

  private async fetchLevel(
    model: ModelEntry,
    output: RenderOutput,
    region: Region,
    size: { width: number; height: number },
    signal: AbortSignal,
  ) {
    const started = performance.now();
    const response = await fetchRender(renderUrl(model, output, region, size.width, size.height, "raw"), signal);
    const raw = await rawSources(response, size.width * size.height);
    this.pointsPerMs = (size.width * size.height) / Math.max(1, performance.now() - started);
    recordModelRuns(++this.runs);
    return raw;
  }

  render(job: ViewJob): void {
    this.cancel();
    const controller = new AbortController();
    this.controller = controller;
    const { region, output } = job;
    const id = this.nextJobId++;
    const levels = planLevels(job.width, job.height, coarsePointsFor(this.pointsPerMs));
    const tracker = new ViewJobTracker(job, levels, sourcesToFetch(output), id);
    (async () => {
      for (let level = 0; level < levels.length; level++) {
        for (let paneIndex = 0; paneIndex < job.panes.length; paneIndex++) {
          const raw = await this.fetchLevel(
            job.panes[paneIndex].model,
            output,
            region,
            levels[level],
            controller.signal,
          );
          if (controller.signal.aborted) return;
          tracker.tile(paneIndex, level, 0, levels[level].height, raw.channels, raw.sources);
        }
      }
      tracker.done();
    })().catch((err: Error) => {
      if (!controller.signal.aborted) job.onError(err.message);
    });
  }

  cancel(): void {
    if (this.controller) debugLog({ type: "cancel" });
    this.controller?.abort();
    this.controller = undefined;
  }

  probe(model: ModelEntry): Promise<ProbeResult> {
    const signal = new AbortController().signal;
    return probeCosts(SERVER_PROBE_SIDES, async (side) => {
      const started = performance.now();
      await this.fetchLevel(model, "image", TRAINING_DOMAIN, { width: side, height: side }, signal);
      return performance.now() - started;
    });
  }

  async renderPng(request: PictureRequest, signal: AbortSignal): Promise<Blob> {
    const { model, output, region, width, height } = request;
    request.onProgress(0);
    const response = await fetchRender(renderUrl(model, output, region, width, height, "png"), signal);
    const blob = await response.blob();
    request.onProgress(1);
    return blob;
  }

  dispose(): void {
    this.cancel();
  }
}
