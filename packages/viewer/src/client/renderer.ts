import type { Region, RenderOutput } from "@siren-onnx/core";
import type { ModelEntry } from "../shared/model-entry.ts";
import { debugLog } from "./debug-log.ts";
import type { Pane } from "./pane.ts";
import { type Level, totalPoints } from "./render-plan.ts";
import type { SourceName, Sources } from "./worker-protocol.ts";

/** One render of the current view into every pane. */
export interface ViewJob {
  panes: Array<{ pane: Pane; model: ModelEntry }>;
  output: RenderOutput;
  region: Region;
  width: number;
  height: number;
  /** Every pane has finished level `level` of `levels`. */
  onLevel: (level: number, levels: number) => void;
  /** Share of the job's points computed so far. */
  onProgress: (fraction: number) => void;
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
  /** Starts rendering the view, abandoning the previous view job at once. */
  render(job: ViewJob): void;
  cancel(): void;
  renderPng(request: PictureRequest, signal: AbortSignal): Promise<Blob>;
  /** The fixed and per-point cost of rendering `model` (the "auto" backend's comparison). */
  probe(model: ModelEntry): Promise<ProbeResult>;
  dispose(): void;
}

/**
 * Sides of the probes' square grids: two sizes separate the per-call cost (HTTP) from the
 * per-point one. The server's small requests run below its full-frame rate (64² and 192² predict
 * its 1280x720 frame; 32² and 96² overestimated it 3.5x), the worker's do not.
 */
export const BROWSER_PROBE_SIDES = [32, 96] as const;
export const SERVER_PROBE_SIDES = [64, 192] as const;

export interface ProbeResult {
  /** Cost of one call whatever its size (a request, a message round trip). */
  fixedMs: number;
  msPerPoint: number;
}

/** Times `run(side)` (ms) at both probe sizes after a warm-up run. */
export async function probeCosts(
  sides: readonly [number, number],
  run: (side: number) => Promise<number>,
): Promise<ProbeResult> {
  const [small, large] = sides;
  await run(large); // loads the session and sizes its buffers
  const smallMs = await run(small);
  const largeMs = await run(large);
  const msPerPoint = Math.max(1e-9, (largeMs - smallMs) / (large * large - small * small));
  return { fixedMs: Math.max(0, smallMs - msPerPoint * small * small), msPerPoint };
}

/** Predicted time of a progressive frame of `points` points made of `calls` calls (the levels cost ~7 % more). */
export function predictFrameMs(probe: ProbeResult, points: number, calls: number): number {
  return calls * probe.fixedMs + 1.07 * points * probe.msPerPoint;
}

/**
 * The bookkeeping of one view job shared by the renderers: starts the panes, delivers tiles,
 * reports progress and finished levels, and logs events for tests and the viewer benchmark.
 */
export class ViewJobTracker {
  private readonly started = performance.now();
  private readonly rowsDone: number[][];
  private donePoints = 0;
  private readonly total: number;
  private finishedLevels = 0;

  constructor(
    readonly job: ViewJob,
    readonly levels: Level[],
    fetched: SourceName[],
    readonly id: number,
  ) {
    this.total = totalPoints(levels) * job.panes.length;
    this.rowsDone = levels.map(() => job.panes.map(() => 0));
    for (const { pane } of job.panes) pane.begin(job.region, levels, job.output, fetched);
    debugLog({ type: "job", job: id, level: levels.length });
  }

  tile(
    paneIndex: number,
    level: number,
    rowStart: number,
    rowEnd: number,
    channels: number,
    sources: Sources,
    ms?: number,
  ): void {
    const entry = this.job.panes[paneIndex];
    if (!entry) return;
    entry.pane.tile(level, rowStart, rowEnd, channels, sources);
    debugLog({ type: "tile", job: this.id, level, pane: paneIndex, ms });
    const { width } = this.levels[level];
    this.rowsDone[level][paneIndex] = rowEnd;
    this.donePoints += (rowEnd - rowStart) * width;
    this.job.onProgress(this.donePoints / this.total);
    while (
      this.finishedLevels < this.levels.length &&
      this.rowsDone[this.finishedLevels].every((r) => r === this.levels[this.finishedLevels].height)
    ) {
      this.job.onLevel(this.finishedLevels, this.levels.length);
      this.finishedLevels++;
    }
  }

  done(): void {
    debugLog({ type: "done", job: this.id });
    this.job.onDone(performance.now() - this.started);
  }
}
