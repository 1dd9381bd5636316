import { ACTIVATION_NAMES, type ModelKind, modelLabel } from "@siren-onnx/core";
import sampleUrl from "../../../../../data/camera.png?url";
import { DOWNSCALE_ABOVE, MAX_FILE_BYTES, MAX_IMAGE_PIXELS } from "./decode-image.ts";
import { el } from "./dom.ts";
import { LineChart } from "./train-charts.ts";
import { type DoneMessage, TrainRun } from "./train-client.ts";
import type { FromTrainWorker, TrainBackend, TrainImage, TrainSettings, TrainTask } from "./train-protocol.ts";
import { TrainResults } from "./train-results.ts";

/** Laptop defaults: a 4×128 SIREN and a baseline on 128²; batches of `siren train`'s 16,384 reach 30 dB soonest (README). */
export const PANEL_DEFAULTS = {
  models: ["sine", "relu-pe"] as ModelKind[],
  size: 128,
  width: 128,
  hiddenLayers: 3,
  steps: 300,
  batch: 16384,
  task: "fit" as TrainTask,
  points: 2000,
};

const TASKS: Array<[TrainTask, string]> = [
  ["fit", "fit the image"],
  ["poisson-gradient", "from its gradient"],
  ["poisson-laplacian", "from its Laplacian"],
  ["inpaint", "inpaint from K pixels"],
];

const labelled = (text: string, input: HTMLElement) => el("label", {}, `${text} `, input);

/**
 * The Train panel: an image (chosen, dropped or the sample), settings, and the live view of a
 * run (train-results.ts). Training itself happens in train-worker.ts; this module only reads the
 * form and routes the worker's messages.
 */
export class TrainPanel {
  private file: { name: string; bytes: ArrayBuffer } | undefined;
  private run: TrainRun | undefined;
  private paused = false;
  private runModels: ModelKind[] = [];
  private readonly message = el("div", { id: "train-message", className: "train-message" });
  private readonly status = el("span", { id: "train-status" });
  private readonly source = el("span", { id: "train-source", textContent: "no image yet" });
  private readonly fileInput = el("input", {
    id: "train-file",
    type: "file",
    accept: "image/png,image/jpeg,image/webp",
  });
  private readonly task = el("select", { id: "train-task" });
  private readonly points = el("input", {
    id: "train-points",
    type: "number",
    min: "16",
    step: "1",
    value: String(PANEL_DEFAULTS.points),
  });
  private readonly size = el("input", {
    id: "train-size",
    type: "number",
    min: "64",
    max: "256",
    step: "16",
    value: String(PANEL_DEFAULTS.size),
  });
  private readonly width = el("select", { id: "train-width" });
  private readonly layers = el("input", {
    id: "train-layers",
    type: "number",
    min: "1",
    max: "6",
    step: "1",
    value: String(PANEL_DEFAULTS.hiddenLayers),
  });
  private readonly steps = el("input", {
    id: "train-steps",
    type: "number",
    min: "1",
    max: "20000",
    step: "1",
    value: String(PANEL_DEFAULTS.steps),
  });
  private readonly batch = el("select", { id: "train-batch" });
  private readonly backend = el("select", { id: "train-backend" });
  private readonly start = el("button", { id: "train-start", type: "button", textContent: "Train" });
  private readonly pause = el("button", { id: "train-pause", type: "button", textContent: "Pause", disabled: true });
  private readonly stopButton = el("button", { id: "train-stop", type: "button", textContent: "Stop", disabled: true });
  private readonly models: HTMLInputElement[];
  private readonly loss = new LineChart(
    el("canvas", { id: "train-loss", width: 360, height: 140 }),
    "loss (log)",
    true,
  );
  private readonly psnr = new LineChart(el("canvas", { id: "train-psnr-chart", width: 360, height: 140 }), "PSNR (dB)");
  private readonly results: TrainResults;

  constructor(
    private readonly root: HTMLElement,
    onExplore: (done: DoneMessage[]) => void,
  ) {
    for (const [value, text] of TASKS) this.task.add(new Option(text, value));
    for (const w of [32, 64, 128, 256])
      this.width.add(new Option(String(w), String(w), false, w === PANEL_DEFAULTS.width));
    for (const b of [1024, 4096, 16384])
      this.batch.add(new Option(b.toLocaleString("en"), String(b), false, b === PANEL_DEFAULTS.batch));
    this.batch.add(new Option("every pixel", "full"));
    for (const b of ["auto", "wasm", "webgpu"])
      this.backend.add(new Option(b === "auto" ? "auto (WebGPU if any)" : b, b));
    this.models = ACTIVATION_NAMES.map((kind) =>
      el("input", {
        type: "checkbox",
        name: "train-model",
        value: kind,
        checked: PANEL_DEFAULTS.models.includes(kind),
      }),
    );
    this.results = new TrainResults(el("div", { id: "train-runs", className: "train-runs" }), onExplore);
    this.build();
  }

  private build(): void {
    const drop = el(
      "div",
      {
        id: "train-drop",
        className: "train-drop",
        title: `PNG, JPEG or WebP up to ${MAX_FILE_BYTES / 2 ** 20} MB and ${MAX_IMAGE_PIXELS / 1e6} megapixels`,
      },
      "Drop an image here, or ",
      this.fileInput,
      " ",
      el("button", {
        id: "train-sample",
        type: "button",
        textContent: "use the sample (camera)",
        onclick: () => void this.useSample(),
      }),
      " ",
      this.source,
    );
    drop.addEventListener("dragover", (e) => {
      e.preventDefault();
      drop.classList.add("over");
    });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (e) => {
      e.preventDefault();
      drop.classList.remove("over");
      const file = e.dataTransfer?.files[0];
      if (file) void this.takeFile(file);
    });
    this.fileInput.addEventListener("change", () => {
      const file = this.fileInput.files?.[0];
      if (file) void this.takeFile(file);
    });
    const kinds = el(
      "span",
      { className: "train-models" },
      "Models:",
      ...this.models.map((box) => el("label", {}, box, ` ${modelLabel(box.value as ModelKind)}`)),
    );
    const settings = el(
      "div",
      { className: "train-settings" },
      kinds,
      labelled("Task", this.task),
      labelled("K", this.points),
      labelled("Size", this.size),
      labelled("Width", this.width),
      labelled("Hidden layers", this.layers),
      labelled("Steps", this.steps),
      labelled("Batch", this.batch),
      labelled("Engine", this.backend),
    );
    const kField = this.points.parentElement!;
    const showK = () => {
      kField.hidden = this.task.value !== "inpaint";
    };
    this.task.addEventListener("change", showK);
    showK();
    this.start.onclick = () => void this.begin();
    this.pause.onclick = () => this.togglePause();
    this.stopButton.onclick = () => this.run?.stop();
    const controls = el("div", { className: "train-controls" }, this.start, this.pause, this.stopButton, this.status);
    const charts = el("div", { className: "train-charts" }, this.loss.canvas, this.psnr.canvas);
    this.root.replaceChildren(drop, settings, controls, this.message, charts, this.results.element);
    this.loss.reset(0);
    this.psnr.reset(0);
  }

  private say(text: string, kind: "error" | "notice" = "error"): void {
    this.message.textContent = text;
    this.message.dataset.kind = kind;
    this.message.hidden = text === "";
  }

  private async takeFile(file: File): Promise<void> {
    this.say("");
    if (file.size > MAX_FILE_BYTES) {
      this.say(`${file.name} is ${(file.size / 2 ** 20).toFixed(0)} MB: the limit is ${MAX_FILE_BYTES / 2 ** 20} MB`);
      return;
    }
    this.file = { name: file.name, bytes: await file.arrayBuffer() };
    this.source.textContent = `${file.name} (${(file.size / 1024).toFixed(0)} KB; larger than ${DOWNSCALE_ABOVE} px a side is downscaled)`;
  }

  private async useSample(): Promise<void> {
    this.say("");
    try {
      const response = await fetch(sampleUrl);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.file = { name: "camera.png", bytes: await response.arrayBuffer() };
      this.source.textContent = "camera.png (the sample)";
    } catch (err) {
      this.say(`cannot load the sample image: ${(err as Error).message}`);
    }
  }

  /** The form's settings, or a one-line reason they are not usable. */
  private readSettings(): TrainSettings | string {
    const int = (input: HTMLInputElement, name: string, min: number, max: number) => {
      const v = Number(input.value);
      if (!Number.isInteger(v) || v < min || v > max)
        throw new Error(`${name}: expected a whole number from ${min} to ${max}`);
      return v;
    };
    try {
      const task = this.task.value as TrainTask;
      const size = int(this.size, "Size", 64, 256);
      return {
        task,
        size,
        width: Number(this.width.value),
        hiddenLayers: int(this.layers, "Hidden layers", 1, 6),
        steps: int(this.steps, "Steps", 1, 20000),
        batch: this.batch.value === "full" ? "full" : Number(this.batch.value),
        seed: 0,
        points: task === "inpaint" ? int(this.points, "K", 16, size * size) : undefined,
      };
    } catch (err) {
      return (err as Error).message;
    }
  }

  private async begin(): Promise<void> {
    if (this.run?.running) return;
    this.say("");
    const settings = this.readSettings();
    if (typeof settings === "string") return this.say(settings);
    const models = this.models.filter((b) => b.checked).map((b) => b.value as ModelKind);
    if (models.length === 0) return this.say("choose at least one model");
    if (!this.file) await this.useSample();
    if (!this.file) return;
    // The worker takes the bytes (transferred): keep a copy for the next run.
    const image: TrainImage = { kind: "file", name: this.file.name, bytes: this.file.bytes.slice(0) };
    this.startRun({ image, models, settings, backend: this.backend.value as TrainBackend });
  }

  /** Starts a run (also the tests' entry point, through window.sirenTrain). */
  startRun(request: ConstructorParameters<typeof TrainRun>[0]): TrainRun {
    this.run?.terminate();
    this.paused = false;
    this.runModels = request.models;
    this.results.reset(request.models);
    this.loss.reset(request.models.length);
    this.psnr.reset(request.models.length);
    this.setRunning(true);
    this.status.textContent = "starting…";
    const run = new TrainRun(request, (m) => this.handle(m));
    this.run = run;
    return run;
  }

  private handle(m: FromTrainWorker): void {
    switch (m.type) {
      case "image":
        this.results.showSource(m.width, m.height, m.rgba);
        if (m.notice) this.say(m.notice, "notice");
        break;
      case "started":
        this.status.textContent = `training on ${m.description}`;
        this.status.dataset.engine = m.description;
        break;
      case "step":
        this.loss.add(m.model, m.step, m.loss);
        this.results.step(m.model, m.step, m.steps, m.msPerStep);
        break;
      case "picture":
        this.psnr.add(m.model, m.step, m.psnr);
        this.results.picture(m.model, m.step, m.psnr, m.image, m.gradient);
        break;
      case "done":
        this.results.done(m);
        break;
      case "error":
        if (m.model !== undefined) this.results.failed(m.model, m.message);
        this.say(m.message);
        break;
      case "finished":
        this.setRunning(false);
        this.status.textContent = this.message.dataset.kind === "error" && !this.message.hidden ? "failed" : "finished";
        break;
    }
  }

  private togglePause(): void {
    if (!this.run?.running) return;
    this.paused = !this.paused;
    if (this.paused) this.run.pause();
    else this.run.resume();
    this.pause.textContent = this.paused ? "Resume" : "Pause";
    this.status.textContent = this.paused ? "paused" : "training";
  }

  private setRunning(running: boolean): void {
    this.start.disabled = running;
    this.pause.disabled = !running;
    this.stopButton.disabled = !running;
    this.pause.textContent = "Pause";
  }

  /** The last loss and PSNR of each model (tests). */
  curves(): Array<{ loss?: number; psnr?: number }> {
    return this.runModels.map((_, i) => ({ loss: this.loss.last(i), psnr: this.psnr.last(i) }));
  }
}
