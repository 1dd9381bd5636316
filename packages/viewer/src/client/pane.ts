import { formatRegion, type Region, type RenderOutput, renderSource } from "@siren-onnx/core";
import { drawOrientation } from "./orientation.ts";
import { finalPicture, formatScale, pictureScale, previewPicture, toImageData } from "./pictures.ts";
import type { Level } from "./render-plan.ts";
import { regionToPixels, type View } from "./view.ts";
import { channelValues, floatsPerPoint, slicePoints, sourcesCover } from "./view-sources.ts";
import type { SourceName, Sources } from "./worker-protocol.ts";

interface LevelState extends Level {
  /** Raw ONNX outputs of the whole level (allocated on the first tile). */
  sources: Sources;
  rowsDone: number;
  /** Offscreen copy of the level, drawn scaled onto the canvas. */
  canvas: HTMLCanvasElement;
}

/** "done" once the whole view job has finished (set by the viewer, after the status line). */
export type PaneState = "idle" | "rendering" | "done" | "error";

/** Draws `source` (pixel centres spanning `from`) onto ctx's canvas (pixel centres spanning `to`). */
function drawMapped(
  ctx: CanvasRenderingContext2D,
  source: CanvasImageSource,
  sw: number,
  sh: number,
  from: Region,
  to: Region,
) {
  const { width, height } = ctx.canvas;
  const ss = (from.x1 - from.x0) / Math.max(1, sw - 1);
  const st = (to.x1 - to.x0) / Math.max(1, width - 1);
  const ssy = (from.y1 - from.y0) / Math.max(1, sh - 1);
  const sty = (to.y1 - to.y0) / Math.max(1, height - 1);
  // Canvas coordinate u (pixel i spans [i, i + 1]) of the source lands at d(u) on the target.
  const dx = (u: number) => (from.x0 + (u - 0.5) * ss - to.x0) / st + 0.5;
  const dy = (v: number) => (from.y0 + (v - 0.5) * ssy - to.y0) / sty + 0.5;
  ctx.drawImage(source, 0, 0, sw, sh, dx(0), dy(0), dx(sw) - dx(0), dy(sh) - dy(0));
}

/**
 * One model's picture: the image canvas (exactly the rendered pixels, for saving and tests:
 * `data-state`, `data-view`), an overlay with the training-domain outline, and a caption.
 * It keeps the raw outputs of the current view, so another channel of the same view, or a
 * new colour scale, is a redraw without running the model.
 */
export class Pane {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly overlay: HTMLCanvasElement;
  private readonly caption: HTMLElement;
  private readonly scaleNote: HTMLElement;
  private readonly ctx: CanvasRenderingContext2D;
  private levels: LevelState[] = [];
  private output: RenderOutput = "image";
  private fetched: SourceName[] = [];
  private region: Region | undefined;
  private channels = 1;
  /** Scale the tiles are coloured at; the finished picture uses `finalScale`. */
  private scale = 1;
  /** Set by the viewer: a scale shared by the panes, or undefined for this pane's own. */
  private forcedScale: number | undefined;
  /** ownScale() of the current channel and finest finished level (a redraw computes it once). */
  private ownScaleCache: number | undefined;
  /** What the canvas showed before the view changed, redrawn moved and scaled until new tiles arrive. */
  private backdrop: { canvas: HTMLCanvasElement; region: Region } | undefined;
  private drawnSinceBackdrop = true;

  constructor(readonly model: string) {
    this.element = document.createElement("figure");
    this.element.className = "pane";
    this.canvas = document.createElement("canvas");
    this.canvas.className = "image";
    this.canvas.dataset.model = model;
    this.canvas.dataset.state = "idle";
    this.overlay = document.createElement("canvas");
    this.overlay.className = "overlay";
    this.caption = document.createElement("figcaption");
    this.scaleNote = document.createElement("span");
    this.scaleNote.className = "scale-note";
    this.element.append(this.canvas, this.overlay, this.caption, this.scaleNote);
    this.ctx = this.canvas.getContext("2d", { willReadFrequently: true })!;
  }

  get state(): PaneState {
    return this.canvas.dataset.state as PaneState;
  }

  setCaption(label: string, detail: string): void {
    this.caption.replaceChildren(Object.assign(document.createElement("b"), { textContent: label }), ` ${detail}`);
  }

  resize(width: number, height: number): void {
    if (this.canvas.width === width && this.canvas.height === height) return;
    for (const c of [this.canvas, this.overlay]) {
      c.width = width;
      c.height = height;
    }
    this.backdrop = undefined;
    this.region = undefined;
    this.levels = [];
  }

  /** Shows the previous picture moved to the new view at once (before any new tile is ready). */
  preview(region: Region): void {
    this.canvas.dataset.view = formatRegion(region);
    this.setState("rendering");
    if (this.region && this.drawnSinceBackdrop) {
      const copy = document.createElement("canvas");
      copy.width = this.canvas.width;
      copy.height = this.canvas.height;
      copy.getContext("2d")!.drawImage(this.canvas, 0, 0);
      this.backdrop = { canvas: copy, region: this.region };
      this.drawnSinceBackdrop = false;
    }
    this.clear();
    if (this.backdrop) {
      const { canvas, region: from } = this.backdrop;
      drawMapped(this.ctx, canvas, canvas.width, canvas.height, from, region);
    }
  }

  private clear(): void {
    this.ctx.fillStyle = "#222";
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  begin(region: Region, levels: Level[], output: RenderOutput, fetched: SourceName[]): void {
    if (output !== this.output) this.forcedScale = undefined; // a scale means nothing in another channel
    this.region = region;
    this.output = output;
    this.fetched = fetched;
    this.levels = levels.map((l) => {
      const canvas = document.createElement("canvas");
      canvas.width = l.width;
      canvas.height = l.height;
      return { ...l, rowsDone: 0, canvas, sources: {} };
    });
    this.scale = 1;
    this.ownScaleCache = undefined;
    this.canvas.dataset.view = formatRegion(region);
    delete this.canvas.dataset.normalisation;
    this.scaleNote.textContent = "";
    this.setState("rendering");
  }

  setState(state: PaneState): void {
    this.canvas.dataset.state = state;
  }

  /** Whether the finished current view holds what `output` needs (then `show` redraws it). */
  holds(output: RenderOutput, region: Region): boolean {
    const last = this.levels.at(-1);
    return (
      last !== undefined &&
      last.rowsDone === last.height &&
      this.region !== undefined &&
      formatRegion(this.region) === formatRegion(region) &&
      sourcesCover(this.fetched, output)
    );
  }

  /** Redraws the kept view as another channel, without running the model. */
  show(output: RenderOutput): void {
    this.output = output;
    this.forcedScale = undefined; // the viewer shares the new channel's scale afterwards if asked
    this.ownScaleCache = undefined;
    this.canvas.dataset.view = formatRegion(this.region!);
    this.finish();
  }

  /** A tile of raw outputs from a renderer. */
  tile(levelIndex: number, rowStart: number, rowEnd: number, channels: number, sources: Sources): void {
    const level = this.levels[levelIndex];
    if (!level || !this.region) return;
    this.channels = channels;
    const points = (rowEnd - rowStart) * level.width;
    for (const [name, values] of Object.entries(sources) as Array<[SourceName, Float32Array]>) {
      const perPoint = floatsPerPoint(name, channels);
      level.sources[name] ??= new Float32Array(level.width * level.height * perPoint);
      level.sources[name].set(values, rowStart * level.width * perPoint);
    }
    level.rowsDone = Math.max(level.rowsDone, rowEnd);
    const values = channelValues(this.output, sources, points, channels);
    if (levelIndex === 0 && rowStart === 0)
      this.scale = this.forcedScale ?? pictureScale(values, this.output, channels);
    const image = toImageData(
      previewPicture(values, this.output, channels, this.scale),
      level.width,
      rowEnd - rowStart,
    );
    if (levelIndex === this.levels.length - 1) {
      this.ctx.putImageData(image, 0, rowStart); // full resolution: the exact pixels
    } else {
      level.canvas.getContext("2d")!.putImageData(image, 0, rowStart);
      this.ctx.imageSmoothingEnabled = true;
      drawMapped(this.ctx, level.canvas, level.width, level.height, this.region, this.region);
    }
    this.drawnSinceBackdrop = true;
    if (rowEnd === level.height) this.levelDone(levelIndex);
  }

  /** This pane's own colour scale for the current channel (from the finest finished level). */
  ownScale(): number | undefined {
    if (this.ownScaleCache !== undefined) return this.ownScaleCache;
    const level = this.finestDone();
    if (!level) return undefined;
    this.ownScaleCache = pictureScale(this.levelValues(level), this.output, this.channels);
    return this.ownScaleCache;
  }

  /** A scale shared with other panes, or undefined for this pane's own; redraws a finished view. */
  useScale(scale: number | undefined): void {
    const changed = scale !== this.forcedScale;
    this.forcedScale = scale;
    if (scale !== undefined) this.scale = scale;
    const last = this.levels.at(-1);
    if (changed && last && last.rowsDone === last.height) this.finish();
  }

  private finestDone(): LevelState | undefined {
    for (let i = this.levels.length - 1; i >= 0; i--) {
      if (this.levels[i].rowsDone === this.levels[i].height) return this.levels[i];
    }
    return undefined;
  }

  private levelValues(level: LevelState): Float32Array {
    return channelValues(this.output, level.sources, level.width * level.height, this.channels);
  }

  private levelDone(levelIndex: number): void {
    this.ownScaleCache = undefined;
    if (levelIndex < this.levels.length - 1) {
      this.scale = this.forcedScale ?? this.ownScale() ?? this.scale;
      return;
    }
    this.finish();
  }

  /** Colours the finished last level: by its own percentile (as `siren render`) or the shared scale. */
  private finish(): void {
    const level = this.levels.at(-1)!;
    const values = this.levelValues(level);
    const picture = finalPicture(values, this.output, this.channels, this.forcedScale);
    this.ctx.putImageData(toImageData(picture.rgba, level.width, level.height), 0, 0);
    this.canvas.dataset.normalisation = picture.normalisation;
    this.ownScaleCache ??= pictureScale(values, this.output, this.channels);
    const scale = this.forcedScale ?? this.ownScaleCache;
    this.canvas.dataset.scale = this.output === "image" || scale === undefined ? "" : String(scale);
    this.scaleNote.textContent =
      this.output === "image" || scale === undefined
        ? ""
        : `${this.output === "gradient-magnitude" || this.output === "gradient" ? "0 … " : "±"}${formatScale(scale)}${this.forcedScale === undefined ? "" : " shared"}`;
    this.drawnSinceBackdrop = true;
  }

  /** Raw values at a canvas pixel from the finest level computed there. */
  valueAt(px: number, py: number): number[] | undefined {
    const { width, height } = this.canvas;
    for (let i = this.levels.length - 1; i >= 0; i--) {
      const l = this.levels[i];
      if (!l.sources[renderSource(this.output)]) continue;
      // Nearest level pixel: level pixel centres span the same region as the canvas's.
      const col = Math.round(((px - 0.5) * (l.width - 1)) / Math.max(1, width - 1));
      const row = Math.round(((py - 0.5) * (l.height - 1)) / Math.max(1, height - 1));
      if (row < 0 || col < 0 || row >= l.rowsDone || col >= l.width) continue;
      const index = row * l.width + col;
      const point = slicePoints(l.sources, this.channels, index, index + 1);
      return Array.from(channelValues(this.output, point, 1, this.channels));
    }
    return undefined;
  }

  /** The training domain's outline (and the cursor cross-hair when given). */
  drawOverlay(view: View, extent: Region, sourceWidth: number, cursor?: { px: number; py: number }): void {
    const ctx = this.overlay.getContext("2d")!;
    const { width, height } = this.overlay;
    ctx.clearRect(0, 0, width, height);
    const r = regionToPixels(view, width, height, extent);
    const dpr = window.devicePixelRatio || 1;
    ctx.lineWidth = Math.max(1, dpr);
    ctx.setLineDash([6 * dpr, 4 * dpr]);
    ctx.strokeStyle = "rgba(0, 0, 0, 0.8)";
    ctx.strokeRect(r.left, r.top, r.right - r.left, r.bottom - r.top);
    ctx.lineDashOffset = 5 * dpr;
    ctx.strokeStyle = "rgba(255, 210, 0, 0.95)";
    ctx.strokeRect(r.left, r.top, r.right - r.left, r.bottom - r.top);
    if (cursor) {
      ctx.setLineDash([]);
      ctx.strokeStyle = "rgba(255, 255, 255, 0.6)";
      ctx.beginPath();
      ctx.moveTo(cursor.px - 8 * dpr, cursor.py);
      ctx.lineTo(cursor.px + 8 * dpr, cursor.py);
      ctx.moveTo(cursor.px, cursor.py - 8 * dpr);
      ctx.lineTo(cursor.px, cursor.py + 8 * dpr);
      ctx.stroke();
    }
    drawOrientation(ctx, view, r, sourceWidth, dpr);
  }
}
