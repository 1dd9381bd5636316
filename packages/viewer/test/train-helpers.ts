import { ensureClientBuilt } from "@siren-onnx/viewer";
import type { Page } from "playwright-core";
import { launchChromium } from "./browser-helpers.ts";
import { tempDir } from "./fixtures.ts";
import { listenApp } from "./http-helpers.ts";

/** The server on an empty models folder and a Chromium: the Train panel needs no model. */
export async function startTrainFixture(chromiumArgs: string[] = []) {
  const dir = await tempDir();
  const { dist } = await ensureClientBuilt();
  const server = await listenApp({ modelsDir: dir, clientDir: dist });
  const browser = await launchChromium(chromiumArgs);
  return {
    dir,
    browser,
    base: `http://127.0.0.1:${server.port}/`,
    async stop() {
      await browser.close();
      await server.stop();
    },
  };
}

export interface BrowserRunRequest {
  pixels: { width: number; height: number; channels: 1 | 3; data: number[] };
  models: string[];
  settings: Record<string, unknown>;
  backend: "wasm" | "webgpu" | "auto";
}

/** Trains through the page's panel (window.sirenTrain) on given pixels; the kept and last weights of each model, and errors. */
export function trainInPage(page: Page, request: BrowserRunRequest) {
  return page.evaluate(async (r) => {
    type Layer = { weight: Float32Array; bias: Float32Array };
    type Done = {
      model: number;
      psnr: number;
      msPerStep: number;
      stepsDone: number;
      lastParams: Layer[];
      params: Layer[];
    };
    const errors: string[] = [];
    const panel = (window as unknown as { sirenTrain: { startRun(req: unknown): { finished: Promise<Done[]> } } })
      .sirenTrain;
    const run = panel.startRun({
      image: { kind: "pixels", name: "pixels", pixels: { ...r.pixels, data: Float32Array.from(r.pixels.data) } },
      models: r.models,
      settings: r.settings,
      backend: r.backend,
    });
    const done = await run.finished;
    const message = document.getElementById("train-message")!;
    if (!message.hidden && message.textContent) errors.push(message.textContent);
    const plain = (layers: Layer[]) => layers.map((l) => ({ weight: Array.from(l.weight), bias: Array.from(l.bias) }));
    return {
      errors,
      description: document.getElementById("train-status")!.dataset.engine ?? "",
      models: done
        .sort((a, b) => a.model - b.model)
        .map((d) => ({
          psnr: d.psnr,
          msPerStep: d.msPerStep,
          stepsDone: d.stepsDone,
          lastParams: plain(d.lastParams),
          params: plain(d.params),
        })),
    };
  }, request);
}
