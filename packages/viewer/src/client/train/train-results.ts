import { type ModelKind, modelFilePaths, modelLabel } from "@siren-onnx/core";
import { el } from "./dom.ts";
import { SERIES_COLOURS } from "./train-charts.ts";
import type { DoneMessage } from "./train-client.ts";

function paint(canvas: HTMLCanvasElement, width: number, height: number, rgba: Uint8ClampedArray): void {
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d")!.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
}

/** A model's card: its picture, its gradient magnitude, figures, and the files when done. */
interface Card {
  element: HTMLElement;
  picture: HTMLCanvasElement;
  gradient: HTMLCanvasElement;
  figures: HTMLElement;
  files: HTMLElement;
  size: { width: number; height: number };
}

/** The live pictures of a run, one card per model after the training image, then downloads and Explore. */
export class TrainResults {
  private cards: Card[] = [];
  private readonly source = el("canvas", { className: "train-picture" });
  private readonly finished: DoneMessage[] = [];
  private readonly explore = el("button", {
    id: "train-explore",
    type: "button",
    textContent: "Explore in the panes",
    disabled: true,
  });
  private urls: string[] = [];

  constructor(
    readonly element: HTMLElement,
    onExplore: (done: DoneMessage[]) => void,
  ) {
    this.explore.onclick = () => onExplore([...this.finished]);
  }

  reset(models: ModelKind[]): void {
    for (const url of this.urls) URL.revokeObjectURL(url);
    this.urls = [];
    this.finished.length = 0;
    this.explore.disabled = true;
    this.cards = models.map((kind, i) => {
      const picture = el("canvas", { className: "train-picture" });
      const gradient = el("canvas", { className: "train-gradient", title: "|∇| of the model (square-root scale)" });
      const figures = el("div", { className: "train-figures", textContent: "waiting…" });
      const files = el("div", { className: "train-files" });
      const title = el("strong", { textContent: modelLabel(kind) });
      title.style.color = SERIES_COLOURS[i % SERIES_COLOURS.length];
      const element = el("figure", { className: "train-run" }, title, el("div", {}, picture, gradient), figures, files);
      element.dataset.model = String(i);
      element.dataset.state = "running";
      return { element, picture, gradient, figures, files, size: { width: 0, height: 0 } };
    });
    const sourceCard = el(
      "figure",
      { className: "train-run" },
      el("strong", { textContent: "training image" }),
      this.source,
    );
    this.element.replaceChildren(sourceCard, ...this.cards.map((c) => c.element), el("div", {}, this.explore));
  }

  showSource(width: number, height: number, rgba: Uint8ClampedArray): void {
    paint(this.source, width, height, rgba);
    for (const card of this.cards) card.size = { width, height };
  }

  step(model: number, step: number, steps: number, msPerStep: number): void {
    const card = this.cards[model];
    if (!card) return;
    card.element.dataset.step = String(step);
    const psnr = card.element.dataset.psnr;
    card.figures.textContent = `step ${step}/${steps} · ${msPerStep.toFixed(0)} ms/step${psnr ? ` · ${Number(psnr).toFixed(2)} dB` : ""}`;
  }

  picture(model: number, step: number, psnr: number, image: Uint8ClampedArray, gradient: Uint8ClampedArray): void {
    const card = this.cards[model];
    if (!card) return;
    paint(card.picture, card.size.width, card.size.height, image);
    paint(card.gradient, card.size.width, card.size.height, gradient);
    card.element.dataset.psnr = String(psnr);
    card.element.dataset.pictureStep = String(step);
    card.element.dataset.pictures = String(Number(card.element.dataset.pictures ?? 0) + 1);
  }

  failed(model: number, message: string): void {
    const card = this.cards[model];
    if (!card) return;
    card.element.dataset.state = "error";
    card.figures.textContent = message;
  }

  done(m: DoneMessage): void {
    const card = this.cards[m.model];
    if (!card) return;
    this.finished.push(m);
    card.element.dataset.state = "done";
    card.figures.textContent =
      `${m.stopped ? "stopped at" : "done:"} ${m.stepsDone} steps in ${m.seconds.toFixed(1)} s · ` +
      `${m.psnr.toFixed(2)} dB (best at step ${m.bestStep}) · ${m.msPerStep.toFixed(1)} ms/step`;
    const names = modelFilePaths(m.files.name);
    const link = (bytes: Uint8Array, file: string) => {
      const url = URL.createObjectURL(
        new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }),
      );
      this.urls.push(url);
      const a = el("a", { href: url, download: file, textContent: file, className: "train-download" });
      a.dataset.file = file;
      return a;
    };
    card.files.replaceChildren(
      link(m.files.image, names.image),
      " ",
      link(m.files.derivatives, names.derivatives),
      " ",
      link(m.files.checkpoint, "checkpoint.safetensors"),
    );
    this.explore.disabled = false;
  }
}
