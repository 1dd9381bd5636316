import { formatRegion, type Region, type RenderOutput, valuesPerPoint } from "@siren-onnx/core";
import { finalPicture, pictureScale, previewPicture, toImageData } from "./pictures.ts";
import type { Level } from "./render-plan.ts";
import { regionToPixels, type View } from "./view.ts";

interface LevelState extends Level {
  values?: Float32Array;
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
 */
export class Pane {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly overlay: HTMLCanvasElement;
  private readonly caption: HTMLElement;
  private readonly ctx: CanvasRenderingContext2D;
  private levels: LevelState[] = [];
  private output: RenderOutput = "image";
  private region: Region | undefined;
  private scale = 1;
  private channels = 1;
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
    this.element.append(this.canvas, this.overlay, this.caption);
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

  begin(region: Region, levels: Level[], output: RenderOutput): void {
    this.region = region;
    this.output = output;
    this.levels = levels.map((l) => {
      const canvas = document.createElement("canvas");
      canvas.width = l.width;
      canvas.height = l.height;
      return { ...l, rowsDone: 0, canvas };
    });
    this.canvas.dataset.view = formatRegion(region);
    this.setState("rendering");
  }

  setState(state: PaneState): void {
    this.canvas.dataset.state = state;
  }

  /** A tile of raw values from the browser renderer. */
  tile(levelIndex: number, rowStart: number, rowEnd: number, channels: number, values: Float32Array): void {
    const level = this.levels[levelIndex];
    if (!level || !this.region) return;
    this.channels = channels;
    const perPoint = valuesPerPoint(this.output, channels);
    level.values ??= new Float32Array(level.width * level.height * perPoint);
    level.values.set(values, rowStart * level.width * perPoint);
    level.rowsDone = rowEnd;
    if (levelIndex === 0 && rowStart === 0) this.scale = pictureScale(values, this.output, channels);
    const rgba = previewPicture(values, this.output, channels, this.scale);
    const image = toImageData(rgba, level.width, rowEnd - rowStart);
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

  private levelDone(levelIndex: number): void {
    const level = this.levels[levelIndex];
    if (!level.values) return;
    if (levelIndex < this.levels.length - 1) {
      this.scale = pictureScale(level.values, this.output, this.channels);
      return;
    }
    if (this.output !== "image") {
      const picture = finalPicture(level.values, this.output, this.channels);
      this.ctx.putImageData(toImageData(picture.rgba, level.width, level.height), 0, 0);
      this.canvas.dataset.normalisation = picture.normalisation;
    }
  }

  /** A whole level as a picture (the server renderer). */
  levelImage(levelIndex: number, image: ImageBitmap, normalisation: string): void {
    const level = this.levels[levelIndex];
    if (!level || !this.region) return;
    this.ctx.imageSmoothingEnabled = true;
    if (levelIndex === this.levels.length - 1) this.ctx.drawImage(image, 0, 0);
    else drawMapped(this.ctx, image, image.width, image.height, this.region, this.region);
    level.rowsDone = level.height;
    this.drawnSinceBackdrop = true;
    if (levelIndex === this.levels.length - 1) this.canvas.dataset.normalisation = normalisation;
  }

  /** Raw values at a canvas pixel from the finest level computed there (browser renderer only). */
  valueAt(px: number, py: number): number[] | undefined {
    const { width, height } = this.canvas;
    for (let i = this.levels.length - 1; i >= 0; i--) {
      const l = this.levels[i];
      if (!l.values) continue;
      // Nearest level pixel: level pixel centres span the same region as the canvas's.
      const col = Math.round(((px - 0.5) * (l.width - 1)) / Math.max(1, width - 1));
      const row = Math.round(((py - 0.5) * (l.height - 1)) / Math.max(1, height - 1));
      if (row < 0 || col < 0 || row >= l.rowsDone || col >= l.width) continue;
      const perPoint = valuesPerPoint(this.output, this.channels);
      const at = (row * l.width + col) * perPoint;
      return Array.from(l.values.subarray(at, at + perPoint));
    }
    return undefined;
  }

  /** Pixel colour at a canvas pixel (for the server renderer's readout). */
  colourAt(px: number, py: number): number[] {
    const x = Math.min(this.canvas.width - 1, Math.max(0, Math.floor(px)));
    const y = Math.min(this.canvas.height - 1, Math.max(0, Math.floor(py)));
    return Array.from(this.ctx.getImageData(x, y, 1, 1).data.subarray(0, 3));
  }

  /** The training domain's outline (and the cursor cross-hair when given). */
  drawOverlay(view: View, extent: Region, cursor?: { px: number; py: number }): void {
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
  }
}
