import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openViewer, startViewerFixture, type ViewerDebug, viewerDebug, waitDone } from "./browser-helpers.ts";

/**
 * How the viewer behaves under a hand's gestures, checked by the order of its render events
 * (window.sirenViewer, see debug-log.ts), never by wall-clock time. "slow" has the reference
 * size (2 -> 4x256 -> 1): a full view takes seconds, so stale work would show.
 */
let fixture: Awaited<ReturnType<typeof startViewerFixture>>;
let browser: Browser;
let base: string;

beforeAll(async () => {
  fixture = await startViewerFixture([
    { name: "siren", kind: "sine" },
    { name: "tanh", kind: "tanh", seed: 3, gain: 1 },
    { name: "slow", kind: "sine", width: 256, hiddenLayers: 3, seed: 4 },
  ]);
  ({ browser, base } = fixture);
});

afterAll(async () => {
  await fixture?.stop();
});

async function open(query: string): Promise<Page> {
  const { page, errors } = await openViewer(browser, `${base}?${query}`);
  page.on("close", () => expect(errors).toEqual([]));
  return page;
}

const clearEvents = (page: Page) =>
  page.evaluate(() => {
    (window as unknown as { sirenViewer: ViewerDebug }).sirenViewer.events.length = 0;
  });

/** Each shown tile belongs to the newest job started before it; only the newest job finishes. */
function expectNewestViewWins(events: ViewerDebug["events"]): void {
  let newest = -1;
  const jobs: number[] = [];
  for (const e of events) {
    if (e.type === "job") {
      newest = e.job!;
      jobs.push(newest);
    } else if (e.type === "tile") expect(e.job).toBe(newest);
  }
  expect(jobs.length).toBeGreaterThan(3); // the drag really started several views
  const done = events.filter((e) => e.type === "done").map((e) => e.job);
  expect(done).toEqual([jobs.at(-1)]);
  const lastJobAt = events.findIndex((e) => e.type === "job" && e.job === jobs.at(-1));
  expect(events.slice(lastJobAt).some((e) => e.type === "tile")).toBe(true);
}

async function pacedDrag(page: Page, moves: number, stepPx: number, pauseMs: number): Promise<void> {
  const box = (await page.locator("canvas.image").first().boundingBox())!;
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= moves; i++) {
    await page.mouse.move(x + i * stepPx, y + (i * stepPx) / 2);
    await page.waitForTimeout(pauseMs);
  }
  await page.mouse.up();
}

describe("the newest view always wins", () => {
  for (const backend of ["wasm", "server"]) {
    it(`a paced drag over a reference-size model shows only the newest view's tiles (${backend})`, async () => {
      const page = await open(`model=slow&backend=${backend}`);
      await clearEvents(page);
      await pacedDrag(page, 8, 6, 60);
      await waitDone(page);
      expectNewestViewWins((await viewerDebug(page)).events);
      await page.close();
    });
  }

  it("cancelling a large Save PNG frees the worker for the next view", async () => {
    const page = await open("model=slow&backend=wasm");
    await page.fill("#save-width", "4096");
    await clearEvents(page);
    await page.click("#save");
    await page.waitForFunction(() =>
      /saving .* [1-9]\d*%/.test(document.getElementById("render-status")!.textContent!),
    );
    await page.click("#save"); // "Cancel save"
    await page.keyboard.press("+");
    await waitDone(page);
    const { events } = await viewerDebug(page);
    const saveJob = events.find((e) => e.type === "job")!.job;
    const cancelAt = events.findIndex((e) => e.type === "cancel" && e.job === saveJob);
    expect(cancelAt).toBeGreaterThan(0);
    // After the cancel, nothing of the save is shown, it never finishes, and the new view does.
    expect(events.slice(cancelAt).filter((e) => e.job === saveJob && e.type !== "cancel")).toEqual([]);
    expect(events.filter((e) => e.type === "done").map((e) => e.job)).not.toContain(saveJob);
    expect(events.slice(cancelAt).some((e) => e.type === "done")).toBe(true);
    expect(await page.locator("#save").textContent()).toBe("Save PNG");
    await page.close();
  });
});

describe("one derivative run per view", () => {
  it("switches between derivative channels of a view without running a model", async () => {
    const page = await open("model=siren&backend=wasm");
    await page.keyboard.press("2"); // ∂x: one run of the derivative model
    await waitDone(page);
    const pixels = () =>
      page.evaluate(() => {
        const c = document.querySelector("canvas.image") as HTMLCanvasElement;
        return Array.from(
          c
            .getContext("2d")!
            .getImageData(0, 0, c.width, c.height)
            .data.filter((_, i) => i % 4 === 0),
        );
      });
    const dx = await pixels();
    const runs = (await viewerDebug(page)).modelRuns;
    await page.keyboard.press("3"); // ∂y
    await waitDone(page);
    const dy = await pixels();
    await page.keyboard.press("5"); // Laplacian
    await waitDone(page);
    expect((await viewerDebug(page)).modelRuns).toBe(runs);
    expect(await page.locator("#render-status").textContent()).toMatch(
      /∇² redrawn from the kept outputs .*no model run/,
    );
    expect(dy).not.toEqual(dx); // the redraw really drew another channel
    expect(await page.locator('button[data-output="laplacian"]').getAttribute("aria-checked")).toBe("true");
    await page.close();
  });
});

describe("Compare", () => {
  it("shares one colour scale between panes by default, and each pane's own on request", async () => {
    const page = await open("model=siren,tanh&output=laplacian&backend=wasm");
    const scales = () =>
      page.locator("canvas.image").evaluateAll((c) => c.map((e) => Number((e as HTMLCanvasElement).dataset.scale)));
    const notes = () => page.locator(".scale-note").allTextContents();
    const shared = await scales();
    expect(shared[0]).toBeGreaterThan(0);
    expect(shared[1]).toBe(shared[0]);
    for (const note of await notes()) expect(note).toMatch(/^±\S+ shared$/);
    expect(await page.locator("#render-status").textContent()).toContain("one colour scale shared by the panes");

    await page.click("#scales");
    const own = await scales();
    expect(own[0]).not.toBe(own[1]);
    expect(Math.max(...own)).toBeCloseTo(shared[0], 6); // the shared scale is the larger of the two
    for (const note of await notes()) expect(note).not.toContain("shared");
    expect(page.url()).toContain("scales=pane");
    await page.close();
  });

  it("keeps the view when entering Compare and closes its menu", async () => {
    const page = await open("model=siren&region=-0.5,-0.25,0.1,0.2&backend=wasm");
    const view = async () =>
      (await page.locator("canvas.image").first().getAttribute("data-view"))!.split(",").map(Number);
    const before = await view();
    await page.click("#compare summary");
    await page.click("#compare-study");
    expect(await page.locator("#compare").getAttribute("open")).toBeNull();
    await waitDone(page);
    expect(await page.locator("canvas.image").count()).toBe(2); // one model per kind: siren, tanh
    const after = await view();
    // Everything visible before is still visible (narrower panes letterbox the same region).
    expect(after[0]).toBeLessThanOrEqual(before[0] + 1e-9);
    expect(after[1]).toBeLessThanOrEqual(before[1] + 1e-9);
    expect(after[2]).toBeGreaterThanOrEqual(before[2] - 1e-9);
    expect(after[3]).toBeGreaterThanOrEqual(before[3] - 1e-9);
    expect(after[2] - after[0]).toBeLessThan(2 * (before[2] - before[0]) + 1);
    await page.close();
  });
});
