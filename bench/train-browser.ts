/**
 * `pnpm bench:train-browser`: the viewer's Train panel in headless Chromium (Debian's chromium,
 * wasm with 2 threads: the server sends COOP/COEP), against onnxruntime-node in this process:
 *  - ms per training step of SIREN 2→4×128 and 2→4×256 at batches of 4,096 and 16,384 points,
 *    the page's worker (onnxruntime-web) and the CLI's trainLoop (onnxruntime-node, 2 threads)
 *    on the same pixels and settings, and their ratio (target: wasm within 3×);
 *  - time to 30 dB of SIREN 4×128 on the 128² camera in the page, from Train to the first
 *    evaluation at 30 dB or more, worker start and session creation included (target ≤ 20 s).
 * Step times are the loop's own (runTrainLoop's msPerStep: the batch draw and the step).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createSpec, initParams, nyquistOctaves } from "@siren-onnx/core";
import { fitTask, loadImage, TRAIN_DEFAULTS, trainLoop } from "@siren-onnx/trainer";
import { startServer } from "@siren-onnx/viewer";
import type { Page } from "playwright-core";
import { launchChromium } from "../test/support/chromium.ts";

const CAMERA = fileURLToPath(new URL("../data/camera.png", import.meta.url));
const STEPS = 20;

const image = await loadImage(CAMERA, { size: 128 });
const pixels = { width: image.width, height: image.height, channels: image.channels, data: Array.from(image.data) };

type Settings = { width: number; batch: number; steps: number; evalEvery: number; target?: number };

/** One run in the page; its ms per step, threads, and (with a target) seconds from Train to the target PSNR. */
function browserRun(page: Page, s: Settings) {
  return page.evaluate(
    async ([pixels, s]) => {
      type Done = { msPerStep: number; psnr: number; stepsDone: number };
      type Run = { finished: Promise<Done[]>; stop(): void };
      const panel = (window as unknown as { sirenTrain: { startRun(r: unknown): Run } }).sirenTrain;
      const started = performance.now();
      let reached: number | undefined;
      let run: Run | undefined;
      const observer = new MutationObserver(() => {
        const psnr = Number(document.querySelector<HTMLElement>('.train-run[data-model="0"]')?.dataset.psnr);
        if (reached === undefined && s.target !== undefined && psnr >= s.target) {
          reached = (performance.now() - started) / 1000;
          run?.stop(); // the rest of the run would not change the figure
        }
      });
      observer.observe(document.getElementById("train")!, {
        subtree: true,
        attributes: true,
        attributeFilter: ["data-psnr"],
      });
      run = panel.startRun({
        image: { kind: "pixels", name: "camera.png", pixels: { ...pixels, data: Float32Array.from(pixels.data) } },
        models: ["sine"],
        settings: {
          task: "fit",
          size: 128,
          width: s.width,
          hiddenLayers: 3,
          steps: s.steps,
          batch: s.batch,
          seed: 0,
          evalEvery: s.evalEvery,
        },
        backend: "wasm",
      });
      const [done] = await run.finished;
      observer.disconnect();
      const message = document.getElementById("train-message")!;
      if (!done) throw new Error(message.textContent ?? "no result");
      return {
        msPerStep: done.msPerStep,
        psnr: done.psnr,
        steps: done.stepsDone,
        reached,
        engine: document.getElementById("train-status")!.dataset.engine,
      };
    },
    [pixels, s] as const,
  );
}

async function nodeMsPerStep(width: number, batch: number): Promise<number> {
  const spec = createSpec("sine", {
    width,
    hiddenLayers: 3,
    outputs: image.channels,
    peFrequencies: nyquistOctaves(128),
  });
  const result = await trainLoop({
    task: fitTask(image),
    spec,
    params: initParams(spec, 0),
    steps: STEPS,
    lr: TRAIN_DEFAULTS.lr,
    schedule: TRAIN_DEFAULTS.schedule,
    batch,
    seed: 0,
    engine: "onnxruntime",
    threads: 2,
    evalEvery: STEPS,
  });
  return result.msPerStep;
}

const dir = await mkdtemp(join(tmpdir(), "siren-bench-train-"));
const server = await startServer({ modelsDir: dir, port: 0, host: "127.0.0.1", log: () => {} });
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}?train`);
  console.log(`ms per training step, SIREN 2→4×W on the 128² camera, ${STEPS} steps (first included), median of 3:`);
  console.log("model        batch   browser (wasm)   onnxruntime-node   ratio");
  let engine = "";
  for (const width of [128, 256]) {
    for (const batch of [4096, 16384]) {
      const web: number[] = [];
      const node: number[] = [];
      for (let k = 0; k < 3; k++) {
        const r = await browserRun(page, { width, batch, steps: STEPS, evalEvery: STEPS });
        engine = r.engine ?? "";
        web.push(r.msPerStep);
        node.push(await nodeMsPerStep(width, batch));
      }
      const median = (a: number[]) => a.sort((x, y) => x - y)[1];
      const [w, n] = [median(web), median(node)];
      console.log(
        `4×${width}`.padEnd(12),
        String(batch).padStart(6),
        `${w.toFixed(1)} ms`.padStart(16),
        `${n.toFixed(1)} ms`.padStart(18),
        `${(w / n).toFixed(2)}×`.padStart(7),
      );
    }
  }
  console.log(`browser engine: ${engine}`);
  console.log("time to 30 dB, SIREN 4×128 on the 128² camera in the page (Train to the first evaluation ≥ 30 dB):");
  for (const batch of [4096, 16384]) {
    const r = await browserRun(page, { width: 128, batch, steps: 1000, evalEvery: 5, target: 30 });
    console.log(
      `  batch ${batch}: ${r.reached === undefined ? "not reached" : `${r.reached.toFixed(1)} s`} (step ${r.steps}, ${r.msPerStep.toFixed(1)} ms/step)`,
    );
  }
} finally {
  await browser.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
