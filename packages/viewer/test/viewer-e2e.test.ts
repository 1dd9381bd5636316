import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openViewer, startViewerFixture, waitDone } from "./browser-helpers.ts";
import { pngSize } from "./http-helpers.ts";

let fixture: Awaited<ReturnType<typeof startViewerFixture>>;
let browser: Browser;
let base: string;

beforeAll(async () => {
  fixture = await startViewerFixture([
    { name: "siren", kind: "sine" },
    { name: "relu", kind: "relu", seed: 2 },
  ]);
  ({ browser, base } = fixture);
});

afterAll(async () => {
  await fixture?.stop();
});

async function openPage(url: string): Promise<Page> {
  const { page, errors } = await openViewer(browser, url);
  expect(errors).toEqual([]);
  return page;
}

/**
 * PSNR (dB, RGB, 8 bit) between the first pane's canvas and /api/render of the same view,
 * or of the view moved right by `shift` pixels (to show that the comparison can tell).
 */
function psnrAgainstServer(page: Page, output: string, shift = 0): Promise<number> {
  return page.evaluate(
    async ([output, shift]) => {
      const canvas = document.querySelector("canvas.image") as HTMLCanvasElement;
      const { width, height } = canvas;
      const shown = canvas.getContext("2d")!.getImageData(0, 0, width, height).data;
      const [x0, y0, x1, y1] = canvas.dataset.view!.split(",").map(Number);
      const dx = (shift * (x1 - x0)) / (width - 1);
      const query = new URLSearchParams({
        model: canvas.dataset.model!,
        output,
        width: String(width),
        height: String(height),
        region: [x0 + dx, y0, x1 + dx, y1].join(","),
      });
      const response = await fetch(`/api/render?${query}`);
      const bitmap = await createImageBitmap(await response.blob(), { colorSpaceConversion: "none" });
      const reference = new OffscreenCanvas(width, height).getContext("2d")!;
      reference.drawImage(bitmap, 0, 0);
      const expected = reference.getImageData(0, 0, width, height).data;
      let sum = 0;
      for (let i = 0; i < shown.length; i++) if (i % 4 !== 3) sum += (shown[i] - expected[i]) ** 2;
      const mse = sum / ((shown.length / 4) * 3);
      return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(255 ** 2 / mse);
    },
    [output, shift] as const,
  );
}

/** Spread of the canvas's grey levels (0 for a blank picture). */
function pixelSpread(page: Page): Promise<{ std: number; distinct: number }> {
  return page.evaluate(() => {
    const canvas = document.querySelector("canvas.image") as HTMLCanvasElement;
    const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
    let sum = 0;
    let sq = 0;
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 4) {
      const v = data[i] + data[i + 1] + data[i + 2];
      sum += v;
      sq += v * v;
      colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    }
    const n = data.length / 4;
    return { std: Math.sqrt(sq / n - (sum / n) ** 2), distinct: colours.size };
  });
}

describe("the viewer in headless Chromium", () => {
  it("renders, zooms out beyond the domain like /api/render, shows the Laplacian, and keeps the view in the URL", async () => {
    const page = await openPage(base);
    const info = await page.evaluate(() => ({
      isolated: crossOriginIsolated,
      status: document.getElementById("render-status")!.textContent,
    }));
    expect(info.isolated).toBe(true); // COOP/COEP: onnxruntime-web may use threads
    // "auto" timed both paths, says what it predicts for this frame, and kept the faster.
    const choice = info.status!.match(
      /^(wasm · \d threads?|server \(onnxruntime-node\)) \(auto, predicted frame: server (\d+) ms, wasm (\d+) ms\) · \d+×\d+ image · [\d.]+ s$/,
    );
    expect(choice, info.status!).not.toBeNull();
    const [, chosen, serverMs, wasmMs] = choice!;
    expect(chosen.startsWith("server")).toBe(Number(serverMs) < Number(wasmMs));

    // Zoom out around the canvas centre until the view reaches well outside [-1, 1].
    const box = (await page.locator("canvas.image").boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 4; i++) await page.mouse.wheel(0, 200);
    await waitDone(page, "x0 < -2 && y0 < -2 && x1 > 2 && y1 > 2");
    expect(await psnrAgainstServer(page, "image")).toBeGreaterThanOrEqual(35);
    const shifted = await psnrAgainstServer(page, "image", 2);
    expect(shifted).toBeLessThan(35);

    await page.keyboard.press("5"); // the Laplacian, from the lazily loaded derivative model
    await waitDone(page);
    expect(await page.locator('button[data-output="laplacian"]').getAttribute("aria-checked")).toBe("true");
    const spread = await pixelSpread(page);
    expect(spread.std).toBeGreaterThan(5);
    expect(spread.distinct).toBeGreaterThan(20);
    expect(await psnrAgainstServer(page, "laplacian")).toBeGreaterThanOrEqual(30);

    const url = page.url();
    const view = await page.locator("canvas.image").getAttribute("data-view");
    expect(url).toContain("model=siren");
    expect(url).toContain("output=laplacian");
    expect(url).toContain(`region=${view}`);
    const reopened = await openPage(url);
    const reopenedView = (await reopened.locator("canvas.image").getAttribute("data-view"))!;
    const [shown, expected] = [reopenedView, view!].map((v) => v.split(",").map(Number));
    for (let i = 0; i < 4; i++) expect(shown[i]).toBeCloseTo(expected[i], 8);
    expect(await reopened.locator('button[data-output="laplacian"]').getAttribute("aria-checked")).toBe("true");
    await reopened.close();
    await page.close();
  });

  it("compares models side by side in one view and saves a PNG", async () => {
    const page = await openPage(`${base}?model=siren,relu&output=image&region=-1.5,-1.5,1.5,1.5`);
    const panes = page.locator("canvas.image");
    expect(await panes.count()).toBe(2);
    const views = await panes.evaluateAll((c) => c.map((e) => (e as HTMLCanvasElement).dataset.view));
    expect(views[0]).toBe(views[1]);
    await page.keyboard.press("ArrowRight"); // pans both panes together
    await waitDone(page);
    const moved = await panes.evaluateAll((c) => c.map((e) => (e as HTMLCanvasElement).dataset.view));
    expect(moved[0]).toBe(moved[1]);
    expect(moved[0]).not.toBe(views[0]);

    await page.fill("#save-width", "64");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#save")]);
    const png = await readFile((await download.path())!);
    expect(pngSize(png).width).toBe(64);
    expect(download.suggestedFilename()).toMatch(/^siren-image-64x\d+\.png$/);
    await page.close();
  });
});
