import { afterAll, beforeAll, expect, it } from "vitest";
import { openViewer, startViewerFixture, waitDone } from "./browser-helpers.ts";

let fixture: Awaited<ReturnType<typeof startViewerFixture>>;

beforeAll(async () => {
  fixture = await startViewerFixture([{ name: "served", kind: "sine" }]);
});

afterAll(async () => {
  await fixture?.stop();
});

it("adds models trained in the page to a viewer that shows the server's, and renders them in the browser", async () => {
  const { page, errors } = await openViewer(fixture.browser, `${fixture.base}?model=served&backend=server&train`);
  await page.evaluate(async () => {
    const n = 32 * 32;
    const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i / 9) * 0.8);
    const panel = (window as unknown as { sirenTrain: { startRun(r: unknown): { finished: Promise<unknown[]> } } })
      .sirenTrain;
    await panel.startRun({
      image: { kind: "pixels", name: "waves.png", pixels: { width: 32, height: 32, channels: 1, data } },
      models: ["sine"],
      settings: { task: "fit", size: 32, width: 16, hiddenLayers: 1, steps: 5, batch: "full", seed: 0 },
      backend: "wasm",
    }).finished;
  });
  await page.click("#train-explore");
  await waitDone(page);
  const shown = await page.evaluate(() => ({
    panes: [...document.querySelectorAll<HTMLCanvasElement>("canvas.image")].map((c) => c.dataset.model),
    options: [...document.querySelectorAll<HTMLOptionElement>("#model option")].map((o) => o.value),
    backend: document.querySelector<HTMLSelectElement>("#backend")!.value,
  }));
  expect(shown.panes).toEqual(["siren-waves"]);
  expect(shown.options).toEqual(["served", "siren-waves"]);
  // The server cannot render a model it has never seen: the page renders it, whatever the backend says.
  expect(await page.textContent("#render-status")).not.toMatch(/failed/i);
  // The derivative channel runs the page's derivative file.
  await page.keyboard.press("5");
  await waitDone(page);
  // Back to the server's model: it renders as before.
  await page.selectOption("#model", "served");
  await waitDone(page);
  expect(errors).toEqual([]);
  expect(await page.isHidden("#message")).toBe(true);
});
