import type { RenderOutput } from "@siren-onnx/core";
import type { ModelEntry } from "../shared/model-entry.ts";
import { BrowserRenderer } from "./browser-renderer.ts";
import { describeModel } from "./model-list.ts";
import { Pane } from "./pane.ts";
import { formatReadout } from "./readout.ts";
import type { Renderer } from "./renderer.ts";
import { ServerRenderer } from "./server-renderer.ts";
import { type Backend, formatUrlState, MAX_PANES, type UrlState } from "./url-state.ts";
import {
  fitRegion,
  HOME_REGION,
  panBy,
  pixelToPoint,
  sourceAspect,
  trainingExtent,
  type View,
  viewRegion,
  zoomAt,
} from "./view.ts";

/** Pause after the last view change before rendering (wheel and drag send many events). */
const RENDER_DELAY_MS = 40;

/**
 * The page's state and its one-way flow: state -> URL, panes, render jobs. Interactions
 * (interactions.ts) and the toolbar (toolbar.ts) only call the methods below.
 */
export class Viewer {
  private panes: Pane[] = [];
  private renderer: Renderer | undefined;
  private view: View | undefined;
  private size = { width: 0, height: 0 };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private cursor: { px: number; py: number } | undefined;
  private saving: AbortController | undefined;
  private lastRender = "";
  /** Called after every state change, so the toolbar can reflect it. */
  onChange: () => void = () => {};

  constructor(
    private readonly container: HTMLElement,
    readonly models: ModelEntry[],
    private state: UrlState,
    private readonly ui: {
      status: (text: string) => void;
      readout: (text: string) => void;
      message: (text: string) => void;
    },
  ) {
    if (!this.derivativesAvailable) this.state.output = "image";
    this.buildPanes();
  }

  get current(): Readonly<UrlState> {
    return this.state;
  }

  /** Whether every shown model has a derivative file (else only the image channel is offered). */
  get derivativesAvailable(): boolean {
    return this.selected().every((m) => m.files.derivatives !== undefined);
  }

  get isSaving(): boolean {
    return this.saving !== undefined;
  }

  async start(): Promise<void> {
    await this.setBackend(this.state.backend);
    new ResizeObserver(() => this.layout()).observe(this.container);
    this.layout();
  }

  /** Pixel aspect of the first model's training image, so it is shown undistorted. */
  private aspect(): number {
    const { width, height } = this.selected()[0].metadata.source;
    return sourceAspect(width, height);
  }

  private selected(): ModelEntry[] {
    return this.state.models.map((name) => this.models.find((m) => m.name === name)!);
  }

  private buildPanes(): void {
    this.panes = this.state.models.map((name) => new Pane(name));
    const columns = this.panes.length === 4 ? 2 : this.panes.length;
    this.container.style.gridTemplateColumns = `repeat(${columns}, 1fr)`;
    this.container.style.gridTemplateRows = `repeat(${Math.ceil(this.panes.length / columns)}, 1fr)`;
    this.container.replaceChildren(...this.panes.map((p) => p.element));
    this.selected().forEach((m, i) => {
      this.panes[i].setCaption(m.name, describeModel(m));
    });
    this.size = { width: 0, height: 0 };
  }

  /** Canvas size in device pixels, the same for every pane so one view fits them all. */
  private layout(): void {
    const first = this.panes[0]?.element;
    if (!first) return;
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(2, Math.round(first.clientWidth * dpr));
    const height = Math.max(2, Math.round(first.clientHeight * dpr));
    if (width === this.size.width && height === this.size.height) return;
    this.size = { width, height };
    for (const pane of this.panes) pane.resize(width, height);
    this.view = this.view ?? fitRegion(this.state.region ?? HOME_REGION, width, height, this.aspect());
    this.viewChanged(true);
  }

  setModels(names: string[]): void {
    const models = [...new Set(names)].filter((n) => this.models.some((m) => m.name === n)).slice(0, MAX_PANES);
    if (models.length === 0 || models.join() === this.state.models.join()) return;
    this.state = { ...this.state, models };
    if (!this.derivativesAvailable) this.state.output = "image";
    if (this.view) this.view = { ...this.view, aspect: this.aspect() };
    this.buildPanes();
    this.layout();
  }

  setOutput(output: RenderOutput): void {
    if (output === this.state.output || (output !== "image" && !this.derivativesAvailable)) return;
    this.state = { ...this.state, output };
    this.viewChanged(true);
  }

  async setBackend(backend: Backend): Promise<void> {
    this.saving?.abort();
    this.renderer?.dispose();
    this.renderer = undefined;
    this.state = { ...this.state, backend };
    this.ui.status(backend === "server" ? "server" : "starting onnxruntime-web…");
    try {
      this.renderer = backend === "server" ? new ServerRenderer() : await BrowserRenderer.create(backend);
    } catch (err) {
      this.ui.message(`The ${backend} backend is not available here (${(err as Error).message}); using wasm.`);
      this.state = { ...this.state, backend: "wasm" };
      this.renderer = await BrowserRenderer.create("wasm");
    }
    this.viewChanged(true);
  }

  reset(): void {
    if (this.size.width === 0) return;
    this.view = fitRegion(HOME_REGION, this.size.width, this.size.height, this.aspect());
    this.viewChanged();
  }

  /** Zoom by `factor` around a device-pixel position (the canvas centre by default). */
  zoom(factor: number, px = this.size.width / 2, py = this.size.height / 2): void {
    if (!this.view) return;
    this.view = zoomAt(this.view, this.size.width, this.size.height, px, py, factor);
    this.viewChanged();
  }

  pan(dx: number, dy: number): void {
    if (!this.view) return;
    this.view = panBy(this.view, dx, dy);
    this.viewChanged();
  }

  /** Cursor position in device pixels of the panes' canvases (undefined when it leaves). */
  pointAt(position: { px: number; py: number } | undefined): void {
    this.cursor = position;
    this.drawOverlays();
    this.updateReadout();
  }

  /** Immediate feedback (moved old picture, outline, URL), then a render once the changes settle. */
  private viewChanged(immediate = false): void {
    if (!this.view || this.size.width === 0) return;
    const region = viewRegion(this.view, this.size.width, this.size.height);
    this.state = { ...this.state, region };
    history.replaceState(null, "", formatUrlState(this.state));
    this.renderer?.cancel();
    for (const pane of this.panes) pane.preview(region);
    this.drawOverlays();
    this.onChange();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.render(), immediate ? 0 : RENDER_DELAY_MS);
  }

  private drawOverlays(): void {
    if (!this.view) return;
    this.selected().forEach((m, i) => {
      const extent = trainingExtent(m.metadata.source.width, m.metadata.source.height);
      this.panes[i].drawOverlay(this.view!, extent, this.cursor);
    });
  }

  private render(): void {
    const renderer = this.renderer;
    if (!renderer || !this.state.region) return;
    const { width, height } = this.size;
    const output = this.state.output;
    const approximate =
      renderer.approximateDerivatives && output !== "image" ? " · derivatives approximate (WebGPU)" : "";
    this.ui.status(`${renderer.description} · rendering ${width}×${height}…${approximate}`);
    this.lastRender = `${renderer.description} · ${width}×${height}`;
    renderer.render({
      panes: this.selected().map((model, i) => ({ model, pane: this.panes[i] })),
      output,
      region: this.state.region,
      width,
      height,
      onDone: (ms) => {
        const normalisation = this.panes[0].canvas.dataset.normalisation ?? "";
        this.ui.status(`${this.lastRender} · ${(ms / 1000).toFixed(2)} s${approximate}  ${normalisation}`);
        this.updateReadout();
        for (const pane of this.panes) pane.setState("done");
      },
      onError: (message) => {
        for (const pane of this.panes) pane.setState("error");
        this.ui.status(`${this.lastRender} · failed`);
        this.ui.message(`Render failed: ${message}`);
      },
    });
  }

  private updateReadout(): void {
    if (!this.view || !this.cursor || !this.renderer) {
      this.ui.readout("");
      return;
    }
    const { px, py } = this.cursor;
    const point = pixelToPoint(this.view, this.size.width, this.size.height, px, py);
    const renderer = this.renderer;
    const values = this.selected().map((m, i) => ({
      label: m.name,
      values: renderer.hasValues ? this.panes[i].valueAt(px, py) : undefined,
      colour: renderer.hasValues ? undefined : this.panes[i].colourAt(px, py),
    }));
    this.ui.readout(formatReadout(point, this.state.output, values));
  }

  /** Saves the first pane's view at `width` pixels wide (height keeps the canvas's aspect). */
  async save(width: number): Promise<void> {
    if (this.saving) {
      this.saving.abort();
      return;
    }
    if (!this.renderer || !this.view) return;
    const height = Math.max(2, Math.round((width * this.size.height) / this.size.width));
    // The same region as on screen, sampled at the new resolution.
    const region = this.state.region!;
    const model = this.selected()[0];
    this.saving = new AbortController();
    this.onChange();
    try {
      const blob = await this.renderer.renderPng(
        {
          model,
          output: this.state.output,
          region,
          width,
          height,
          onProgress: (f) => this.ui.status(`saving ${width}×${height} · ${Math.round(100 * f)}%`),
        },
        this.saving.signal,
      );
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `${model.name}-${this.state.output}-${width}x${height}.png`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      this.ui.status(`saved ${link.download}`);
    } catch (err) {
      this.ui.status(`save: ${(err as Error).message}`);
    } finally {
      this.saving = undefined;
      this.onChange();
    }
  }
}
