import type { RenderOutput } from "@siren-onnx/core";
import { channelSymbol } from "./channels.ts";

/** Renders shorter than this show no progress bar (it would only flicker). */
const PROGRESS_AFTER_MS = 1000;

/**
 * The status line, rebuilt from its parts on every change so it is never stale: the backend
 * (and why "auto" chose it), what the panes show now (rendering with progress, done in how
 * long, or redrawn without a model run) and how derivative pictures are scaled.
 */
export class RenderStatus {
  private engine = "";
  private reason = "";
  private job = "";
  private scaleNote = "";
  private started = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly showProgress: (fraction: number | undefined) => void,
  ) {}

  private update(): void {
    this.write(
      [this.engine + (this.reason ? ` (${this.reason})` : ""), this.job, this.scaleNote].filter(Boolean).join(" · "),
    );
  }

  starting(backend: string): void {
    this.engine = backend === "server" ? "server" : `starting ${backend}…`;
    this.reason = "";
    this.job = "";
    this.update();
  }

  backend(description: string, reason: string): void {
    this.engine = description;
    this.reason = reason;
    this.update();
  }

  rendering(width: number, height: number, output: RenderOutput): void {
    this.started = performance.now();
    this.job = `${width}×${height} ${output === "image" ? "image" : channelSymbol(output)} · rendering…`;
    this.scaleNote = "";
    this.showProgress(undefined);
    this.update();
  }

  progress(fraction: number): void {
    const elapsed = performance.now() - this.started;
    if (elapsed < PROGRESS_AFTER_MS || fraction >= 1) return;
    this.job = this.job.replace(/rendering.*$/, `rendering ${Math.floor(100 * fraction)}%`);
    this.showProgress(fraction);
    this.update();
  }

  done(ms: number, scaleNote: string): void {
    this.job = this.job.replace(/rendering.*$/, `${(ms / 1000).toFixed(2)} s`);
    this.scaleNote = scaleNote;
    this.showProgress(undefined);
    this.update();
  }

  redrawn(output: RenderOutput, ms: number, scaleNote: string): void {
    const shown = output === "image" ? "image" : channelSymbol(output);
    this.job = `${shown} redrawn from the kept outputs in ${ms.toFixed(0)} ms (no model run)`;
    this.scaleNote = scaleNote;
    this.showProgress(undefined);
    this.update();
  }

  scales(scaleNote: string): void {
    this.scaleNote = scaleNote;
    this.update();
  }

  failed(): void {
    this.job = this.job.replace(/rendering.*$/, "failed");
    this.showProgress(undefined);
    this.update();
  }

  saving(width: number, height: number, fraction: number): void {
    this.job = `saving ${width}×${height} · ${Math.round(100 * fraction)}%`;
    this.showProgress(fraction);
    this.update();
  }

  saved(file: string | undefined, problem?: string): void {
    this.job = file ? `saved ${file}` : `save: ${problem}`;
    this.showProgress(undefined);
    this.update();
  }
}
