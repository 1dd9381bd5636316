import type { RenderOutput } from "@siren-onnx/core";
import type { ModelEntry } from "../shared/model-entry.ts";
import { BrowserRenderer } from "./browser-renderer.ts";
import { debugLog, exposeDebug } from "./debug-log.ts";
import { describeModel } from "./model-list.ts";
import { Pane } from "./pane.ts";
import { formatReadout } from "./readout.ts";
import { RenderStatus } from "./render-status.ts";
import type { Renderer } from "./renderer.ts";
import { chooseRenderer } from "./renderer-choice.ts";
import { type Backend, formatUrlState, MAX_PANES, type ScaleMode, type UrlState } from "./url-state.ts";
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
import { sourcesToFetch } from "./view-sources.ts";

/**
 * The page's state and its one-way flow: state -> URL, panes, render jobs. Interactions
 * (interactions.ts) and the toolbar (toolbar.ts) only call the methods below. A view change
 * starts a render in the same task's wake: the worker drops stale work between tiles, so there
 * is nothing to gain from waiting for the gesture to end.
 */
export class Viewer {
  private panes: Pane[] = [];
  private renderer: Renderer | undefined;
  private view: View | undefined;
  private size = { width: 0, height: 0 };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private cursor: { px: number; py: number } | undefined;
  private saving: AbortController | undefined;
  readonly status: RenderStatus;
  /** Called after every state change, so the toolbar can reflect it. */
  onChange: () => void = () => {};

  constructor(
    private readonly container: HTMLElement,
    readonly models: ModelEntry[],
    private state: UrlState,
    private readonly ui: {
      status: (text: string) => void;
      progress: (fraction: number | undefined) => void;
      readout: (text: string) => void;
      message: (text: string) => void;
    },
  ) {
    if (!this.derivativesAvailable) this.state.output = "image";
    this.status = new RenderStatus(ui.status, ui.progress);
    this.buildPanes();
    exposeDebug({ evaluate: (model, coords) => this.evaluate(model, coords) });
  }

  /** Every output of `model`'s derivative file at the given points, computed by the page's own engine. */
  async evaluate(model: string, coords: number[]) {
    const renderer = this.renderer;
    const entry = this.models.find((m) => m.name === model);
    if (!(renderer instanceof BrowserRenderer) || !entry) throw new Error("no browser renderer or no such model");
    const result = await renderer.evaluateModel(
      entry,
      "laplacian",
      Float32Array.from(coords),
      sourcesToFetch("laplacian"),
    );
    const sources: Record<string, number[]> = {};
    for (const [name, values] of Object.entries(result.sources)) sources[name] = Array.from(values);
    return { channels: result.channels, sources };
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
    // A new pane size keeps what was visible (e.g. entering Compare), not the zoom around the centre.
    this.view = fitRegion(this.state.region ?? HOME_REGION, width, height, this.aspect());
    this.viewChanged();
  }

  setModels(names: string[]): void {
    const models = [...new Set(names)].filter((n) => this.models.some((m) => m.name === n)).slice(0, MAX_PANES);
    if (models.length === 0 || models.join() === this.state.models.join()) return;
    this.state = { ...this.state, models };
    if (!this.derivativesAvailable) this.state.output = "image";
    this.buildPanes();
    this.layout();
  }

  setOutput(output: RenderOutput): void {
    if (output === this.state.output || (output !== "image" && !this.derivativesAvailable)) return;
    this.state = { ...this.state, output };
    this.publishState();
    // One derivative run per view: another channel of a finished view is a redraw.
    const region = this.state.region;
    if (region && this.panes.every((p) => p.holds(output, region))) {
      this.renderer?.cancel();
      const started = performance.now();
      for (const pane of this.panes) pane.show(output);
      this.applyScales();
      for (const pane of this.panes) pane.setState("done");
      debugLog({ type: "redraw" });
      this.status.redrawn(output, performance.now() - started, this.scaleSummary());
      this.updateReadout();
      return;
    }
    this.viewChanged();
  }

  setScaleMode(scales: ScaleMode): void {
    if (scales === this.state.scales) return;
    this.state = { ...this.state, scales };
    this.publishState();
    this.applyScales();
    this.status.scales(this.scaleSummary());
  }

  async setBackend(backend: Backend): Promise<void> {
    this.saving?.abort();
    this.renderer?.dispose();
    this.renderer = undefined;
    this.state = { ...this.state, backend };
    this.status.starting(backend);
    try {
      const dpr = window.devicePixelRatio || 1;
      const framePoints = Math.round(this.container.clientWidth * dpr) * Math.round(this.container.clientHeight * dpr);
      const { renderer, reason } = await chooseRenderer(backend, this.selected()[0], Math.max(1, framePoints));
      this.renderer = renderer;
      this.status.backend(renderer.description, reason);
      exposeDebug({ backend: renderer.description });
    } catch (err) {
      this.ui.message(`The ${backend} backend is not available here (${(err as Error).message}); using wasm.`);
      this.state = { ...this.state, backend: "wasm" };
      this.renderer = await BrowserRenderer.create("wasm");
      this.status.backend(this.renderer.description, "");
    }
    this.onChange();
    this.viewChanged();
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

  private publishState(): void {
    history.replaceState(null, "", formatUrlState(this.state));
    this.onChange();
  }

  /** Immediate feedback (moved old picture, outline, URL), then a render after this task's other events. */
  private viewChanged(): void {
    if (!this.view || this.size.width === 0) return;
    const region = viewRegion(this.view, this.size.width, this.size.height);
    this.state = { ...this.state, region };
    this.publishState();
    this.renderer?.cancel();
    for (const pane of this.panes) pane.preview(region);
    this.drawOverlays();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.render(), 0);
  }

  private drawOverlays(): void {
    if (!this.view) return;
    this.selected().forEach((m, i) => {
      const { width, height } = m.metadata.source;
      this.panes[i].drawOverlay(this.view!, trainingExtent(width, height), width, this.cursor);
    });
  }

  /** A shared scale (Compare, derivative channels, by default) or each pane's own. */
  private applyScales(): void {
    const shared = this.panes.length > 1 && this.state.scales === "shared" && this.state.output !== "image";
    const scales = this.panes.map((p) => p.ownScale()).filter((s): s is number => s !== undefined && s > 0);
    const common = shared && scales.length === this.panes.length ? Math.max(...scales) : undefined;
    for (const pane of this.panes) pane.useScale(common);
  }

  private scaleSummary(): string {
    if (this.state.output === "image") return "";
    if (this.panes.length === 1) return "colour scale in the pane's corner";
    return this.state.scales === "shared" ? "one colour scale shared by the panes" : "each pane its own colour scale";
  }

  private render(): void {
    const renderer = this.renderer;
    if (!renderer || !this.state.region) return;
    const { width, height } = this.size;
    const output = this.state.output;
    this.status.rendering(width, height, output);
    renderer.render({
      panes: this.selected().map((model, i) => ({ model, pane: this.panes[i] })),
      output,
      region: this.state.region,
      width,
      height,
      onLevel: () => this.applyScales(),
      onProgress: (fraction) => this.status.progress(fraction),
      onDone: (ms) => {
        for (const pane of this.panes) pane.setState("done");
        this.status.done(ms, this.scaleSummary());
        this.updateReadout();
      },
      onError: (message) => {
        for (const pane of this.panes) pane.setState("error");
        this.status.failed();
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
    const values = this.selected().map((m, i) => ({ label: m.name, values: this.panes[i].valueAt(px, py) }));
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
          onProgress: (f) => this.status.saving(width, height, f),
        },
        this.saving.signal,
      );
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `${model.name}-${this.state.output}-${width}x${height}.png`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      this.status.saved(link.download);
    } catch (err) {
      this.status.saved(undefined, (err as Error).message);
    } finally {
      this.saving = undefined;
      this.onChange();
    }
  }
}
