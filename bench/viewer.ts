/**
 * `pnpm bench:viewer [--models models] [--webgpu]`: the viewer in headless Chromium (Debian's
 * chromium, 2 wasm threads) on the sample models, as a person uses it:
 *  - after a paced drag (8 moves 60 ms apart) and after 3 wheel notches 100 ms apart: time from
 *    the end of the gesture to the first new picture (a tile of the newest view) and to done;
 *  - a channel switch between two derivative channels of the same view;
 *  - a full 1280x720 frame of the reference-size SIREN in wasm, in the server backend and with
 *    "auto", as GFLOP/s and as a ratio against onnxruntime-node rendering the same frame in
 *    this process (`siren render`'s code);
 *  - SIREN against ReLU of the same size in wasm.
 * Times come from the page's own event log (window.sirenViewer). --webgpu adds Chromium's
 * SwiftShader WebGPU adapter: a software rasteriser, so its speeds are not GPU speeds.
 */

import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { forwardFlopsPerPoint, TRAINING_DOMAIN } from "@siren-onnx/core";
import { readModelMetadata } from "@siren-onnx/onnx-graph";
import { loadRenderModel, renderSources } from "@siren-onnx/renderer";
import { startServer } from "@siren-onnx/viewer";
import type { Browser, Page } from "playwright-core";
import { launchChromium, SWIFTSHADER_WEBGPU_ARGS } from "../test/support/chromium.ts";

const { values } = parseArgs({
  options: { models: { type: "string", default: "models" }, webgpu: { type: "boolean", default: false } },
});
const MODELS = resolve(values.models);
const FRAME = { width: 1280, height: 720 };

type Event = { type: string; job?: number; level?: number; ms?: number; t: number };

const events = (page: Page) =>
  page.evaluate(() => (window as unknown as { sirenViewer: { events: Event[] } }).sirenViewer.events);
const now = (page: Page) => page.evaluate(() => performance.now());
const clear = (page: Page) =>
  page.evaluate(() => {
    (window as unknown as { sirenViewer: { events: Event[] } }).sirenViewer.events.length = 0;
  });

async function waitDone(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const c = [...document.querySelectorAll<HTMLCanvasElement>("canvas.image")];
      return c.length > 0 && c.every((e) => e.dataset.state === "done");
    },
    undefined,
    { timeout: 600_000, polling: 20 },
  );
}

/** Opens the viewer with a 1280x720 first pane (the viewport is adjusted to the toolbar's height). */
async function open(browser: Browser, base: string, query: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: FRAME.width + 8, height: FRAME.height + 100 } });
  await page.goto(`${base}?${query}`);
  await waitDone(page);
  const size = await page.evaluate(() => {
    const c = document.querySelector("canvas.image") as HTMLCanvasElement;
    return { width: c.width, height: c.height };
  });
  await page.setViewportSize({
    width: FRAME.width + 8 + (FRAME.width - size.width),
    height: FRAME.height + 100 + (FRAME.height - size.height),
  });
  await page.waitForTimeout(200);
  await waitDone(page);
  return page;
}

/**
 * From the end of the gesture `since` (page clock): the first picture of the newest view (0 when
 * it was already shown before the gesture's last event was acknowledged), and its done.
 */
function afterGesture(log: Event[], since: number) {
  const newest = log.filter((e) => e.type === "job").at(-1)?.job;
  const first = log.find((e) => e.type === "tile" && e.job === newest);
  const done = log.find((e) => e.type === "done" && e.job === newest);
  return { first: first ? Math.max(0, first.t - since) : Number.NaN, done: done ? done.t - since : Number.NaN };
}

async function gestures(page: Page): Promise<void> {
  const box = (await page.locator("canvas.image").first().boundingBox())!;
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await clear(page);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) {
    await page.mouse.move(x + 12 * i, y + 6 * i);
    await page.waitForTimeout(60);
  }
  await page.mouse.up();
  const dragEnd = await now(page);
  await waitDone(page);
  const drag = afterGesture(await events(page), dragEnd);

  await clear(page);
  for (let i = 0; i < 3; i++) {
    await page.mouse.wheel(0, -100);
    if (i < 2) await page.waitForTimeout(100);
  }
  const wheelEnd = await now(page);
  await waitDone(page);
  const wheel = afterGesture(await events(page), wheelEnd);
  console.log(
    `  drag: first new picture ${drag.first.toFixed(0)} ms, done ${drag.done.toFixed(0)} ms · ` +
      `3 wheel notches: first ${wheel.first.toFixed(0)} ms, done ${wheel.done.toFixed(0)} ms (target: first ≤ 100 ms)`,
  );
}

async function channelSwitch(page: Page): Promise<void> {
  await page.keyboard.press("2");
  await waitDone(page);
  const times: number[] = [];
  for (const key of ["3", "4", "5", "6", "2"]) {
    await clear(page);
    const t0 = await now(page);
    await page.keyboard.press(key);
    await waitDone(page);
    const redraw = (await events(page)).find((e) => e.type === "redraw" || e.type === "done");
    times.push(redraw ? redraw.t - t0 : Number.NaN);
  }
  console.log(
    `  channel switch ∂y, |∇|, ∇², ∇ dir, ∂x: ${times.map((t) => t.toFixed(0)).join(", ")} ms (target ≤ 100 ms; no model run)`,
  );
  await page.keyboard.press("1");
  await waitDone(page);
}

/** A full frame from a reset view (press 0 after zooming): ms of the job's own clock. */
async function fullFrame(page: Page): Promise<number> {
  await page.keyboard.press("+");
  await waitDone(page);
  await clear(page);
  await page.keyboard.press("0");
  await waitDone(page);
  const log = await events(page);
  const job = log.filter((e) => e.type === "job").at(-1)!;
  const done = log.find((e) => e.type === "done" && e.job === job.job)!;
  const tiles = log.filter((e) => e.type === "tile" && e.job === job.job && e.ms !== undefined);
  if (tiles.length > 0) {
    const runMs = tiles.reduce((sum, e) => sum + (e.ms ?? 0), 0);
    const frameMs = done.t - job.t;
    console.log(
      `  ${tiles.length} tiles, ${(runMs / tiles.length).toFixed(1)} ms each on average; the frame's wall time is ` +
        `${((frameMs / runMs - 1) * 100).toFixed(1)} % above its model runs (tiling, yielding, colouring, coarse levels)`,
    );
  }
  return done.t - job.t;
}

async function nodeFrame(file: string): Promise<number> {
  const model = await loadRenderModel(file);
  const options = { ...FRAME, region: TRAINING_DOMAIN, sources: ["image"] as const };
  await renderSources(model, { ...options, width: 64, height: 64 });
  const t0 = performance.now();
  await renderSources(model, options);
  const ms = performance.now() - t0;
  await model.dispose();
  return ms;
}

const server = await startServer({ modelsDir: MODELS, port: 0, host: "127.0.0.1", log: () => {} });
const browser = await launchChromium(values.webgpu ? SWIFTSHADER_WEBGPU_ARGS : []);
try {
  const sirenFile = join(MODELS, "siren.onnx");
  const meta = readModelMetadata(await readFile(sirenFile));
  const flops = forwardFlopsPerPoint(meta.spec) * FRAME.width * FRAME.height;
  const gflops = (ms: number) => (flops / ms / 1e6).toFixed(1);
  console.log(
    `# viewer — headless Chromium, ${MODELS}/siren (${meta.spec.hiddenLayers + 1}x${meta.spec.width}), frame ${FRAME.width}x${FRAME.height}`,
  );
  const nodeMs = await nodeFrame(sirenFile);
  console.log(`reference: onnxruntime-node renders the frame in ${nodeMs.toFixed(0)} ms (${gflops(nodeMs)} GFLOP/s)`);

  const backends = ["wasm", "server", "auto", ...(values.webgpu ? ["webgpu"] : [])];
  const frames: Record<string, number> = {};
  for (const backend of backends) {
    const page = await open(browser, server.url, `model=siren&backend=${backend}`);
    const status = await page.locator("#render-status").textContent();
    console.log(`${backend}${backend === "webgpu" ? " (SwiftShader: software, not a GPU speed)" : ""}: ${status}`);
    frames[backend] = await fullFrame(page);
    console.log(
      `  full frame ${(frames[backend] / 1000).toFixed(2)} s, ${gflops(frames[backend])} GFLOP/s, ` +
        `${(frames[backend] / nodeMs).toFixed(2)}x onnxruntime-node's time`,
    );
    await gestures(page);
    await channelSwitch(page);
    await page.close();
  }
  const relu = await open(browser, server.url, "model=relu&backend=wasm");
  const reluMs = await fullFrame(relu);
  await relu.close();
  console.log(
    `SIREN / ReLU full frame in wasm: ${(frames.wasm / reluMs).toFixed(2)}x (ReLU ${(reluMs / 1000).toFixed(2)} s; target ≤ 1.5x)`,
  );
  console.log(
    `targets: server-served default (auto) ≤ 3 s: ${(frames.auto / 1000).toFixed(2)} s; pure wasm ≤ 12 s: ${(frames.wasm / 1000).toFixed(2)} s`,
  );
} finally {
  await browser.close();
  await server.close();
}
