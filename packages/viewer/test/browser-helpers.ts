import { rm } from "node:fs/promises";
import { ensureClientBuilt } from "@siren-onnx/viewer";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../../../test/support/chromium.ts";
import { makeModels, tempDir } from "./fixtures.ts";
import { listenApp } from "./http-helpers.ts";

export { launchChromium, SWIFTSHADER_WEBGPU_ARGS } from "../../../test/support/chromium.ts";

/** Waits until every pane has finished rendering (and, optionally, shows a view that passes `accept`). */
export async function waitDone(page: Page, accept = "true", timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    `(() => { const c = [...document.querySelectorAll("canvas.image")];
      if (c.length === 0 || c.some((e) => e.dataset.state !== "done")) return false;
      const [x0, y0, x1, y1] = c[0].dataset.view.split(",").map(Number);
      return ${accept}; })()`,
    undefined,
    { timeout },
  );
}

/** Opens the viewer at `url` and waits for its first finished picture; page errors fail the test. */
export async function openViewer(
  browser: Browser,
  url: string,
  viewport = { width: 420, height: 320 },
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(url);
  await waitDone(page);
  return { page, errors };
}

/** The page's render event log and model-run count (debug-log.ts). */
export interface ViewerDebug {
  events: Array<{ type: string; job?: number; level?: number; pane?: number; t: number }>;
  modelRuns: number;
}

export function viewerDebug(page: Page): Promise<ViewerDebug> {
  return page.evaluate(() => {
    const d = (window as unknown as { sirenViewer: ViewerDebug }).sirenViewer;
    return { events: d.events, modelRuns: d.modelRuns };
  });
}

/** A models folder of fixture models, the server on it and a Chromium: what each e2e file starts with. */
export async function startViewerFixture(models: Parameters<typeof makeModels>[1], chromiumArgs: string[] = []) {
  const dir = await tempDir();
  const checkpoints = await makeModels(dir, models);
  const { dist } = await ensureClientBuilt();
  const server = await listenApp({ modelsDir: dir, clientDir: dist });
  const browser = await launchChromium(chromiumArgs);
  return {
    dir,
    checkpoints,
    server,
    browser,
    base: `http://127.0.0.1:${server.port}/`,
    async stop() {
      await browser.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
