import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeCheckpoint } from "@siren-onnx/core";
import { exportModelBytes } from "@siren-onnx/exporter";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorLines, runCli } from "../../../test/support/cli.ts";
import { waitDone } from "./browser-helpers.ts";
import { pngSize } from "./http-helpers.ts";
import { startTrainFixture } from "./train-helpers.ts";

const CAMERA = fileURLToPath(new URL("../../../data/camera.png", import.meta.url));

let fixture: Awaited<ReturnType<typeof startTrainFixture>>;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  fixture = await startTrainFixture();
  page = await fixture.browser.newPage({ viewport: { width: 1000, height: 900 }, acceptDownloads: true });
  page.on("pageerror", (err) => pageErrors.push(err.message));
  await page.goto(`${fixture.base}?train`);
});

afterAll(async () => {
  await fixture?.stop();
});

/** Drops a file on the panel's drop zone, as a user's drag and drop does. */
async function dropFile(name: string, bytes: Buffer, type = "image/png"): Promise<void> {
  await page.evaluate(
    ([name, data, type]) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([Uint8Array.from(data)], name, { type }));
      document
        .getElementById("train-drop")!
        .dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true }));
    },
    [name, Array.from(bytes), type] as const,
  );
  await page.waitForFunction((n) => document.getElementById("train-source")!.textContent!.startsWith(n), name);
}

/** Clicks Train and waits for the run to finish; returns the panel's message. */
async function train(): Promise<string> {
  await page.click("#train-start");
  await page.waitForFunction(
    () => ["finished", "failed"].includes(document.getElementById("train-status")!.textContent!),
    undefined,
    {
      timeout: 60_000,
    },
  );
  return page.evaluate(() => {
    const m = document.getElementById("train-message")!;
    return m.hidden ? "" : m.textContent!;
  });
}

/** PSNR (dB) between a model card's picture and the training image, both as shown (8 bit). */
function shownPsnr(model: number): Promise<number> {
  return page.evaluate((model) => {
    const pixels = (c: HTMLCanvasElement) => c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    const [source, ...cards] = document.querySelectorAll<HTMLElement>(".train-run");
    const a = pixels(source.querySelector("canvas")!);
    const b = pixels(cards[model].querySelector("canvas.train-picture")!);
    let sum = 0;
    for (let i = 0; i < a.length; i += 4) sum += ((a[i] - b[i]) / 255) ** 2;
    return 10 * Math.log10(1 / (sum / (a.length / 4)));
  }, model);
}

describe("the Train panel", () => {
  it("trains two models on a dropped image: PSNR rises, pictures update, files download", async () => {
    await dropFile("camera.png", await readFile(CAMERA));
    await page.fill("#train-size", "64");
    await page.selectOption("#train-width", "32");
    await page.fill("#train-layers", "2");
    await page.fill("#train-steps", "60");
    await page.selectOption("#train-backend", "wasm");
    // Sample the live view part-way: the pictures must change while training.
    await page.click("#train-start");
    await page.waitForFunction(
      () => Number(document.querySelector<HTMLElement>('.train-run[data-model="0"]')?.dataset.pictures) >= 3,
    );
    const early = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>(".train-run[data-model]")].map((e) => Number(e.dataset.psnr)),
    );
    const earlyShown = await shownPsnr(0);
    await page.waitForFunction(() => document.getElementById("train-status")!.textContent === "finished", undefined, {
      timeout: 60_000,
    });
    const cards = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>(".train-run[data-model]")].map((e) => ({ ...e.dataset })),
    );
    expect(cards.map((c) => c.state)).toEqual(["done", "done"]);
    for (const [i, card] of cards.entries()) {
      expect(Number(card.step)).toBe(60);
      expect(Number(card.pictures)).toBeGreaterThan(10);
      expect(Number(card.psnr)).toBeGreaterThan(early[i] + 1);
    }
    // The SIREN beats the ReLU+PE baseline, and its picture is the reconstruction the PSNR measures.
    expect(Number(cards[0].psnr)).toBeGreaterThan(Number(cards[1].psnr));
    const finalShown = await shownPsnr(0);
    expect(finalShown).toBeGreaterThan(earlyShown + 1);
    expect(Math.abs(finalShown - Number(cards[0].psnr))).toBeLessThan(0.5);
    expect(
      await page.evaluate(
        () => (window as unknown as { sirenTrain: { curves(): unknown[] } }).sirenTrain.curves().length,
      ),
    ).toBe(2);

    // The downloads are what `siren export` writes from the downloaded checkpoint, byte for byte.
    const files: Record<string, string> = {};
    for (const link of await page.locator('.train-run[data-model="0"] a.train-download').all()) {
      const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
      const path = join(fixture.dir, download.suggestedFilename());
      await download.saveAs(path);
      files[download.suggestedFilename()] = path;
    }
    expect(Object.keys(files).sort()).toEqual([
      "checkpoint.safetensors",
      "siren-camera.deriv.onnx",
      "siren-camera.onnx",
    ]);
    const checkpoint = decodeCheckpoint(await readFile(files["checkpoint.safetensors"]));
    expect(checkpoint.training.steps).toBe(60);
    expect(checkpoint.training.imageWidth).toBe(64);
    expect(
      Buffer.from(exportModelBytes(checkpoint, { derivatives: false })).equals(
        await readFile(files["siren-camera.onnx"]),
      ),
    ).toBe(true);
    expect(
      Buffer.from(exportModelBytes(checkpoint, { derivatives: true })).equals(
        await readFile(files["siren-camera.deriv.onnx"]),
      ),
    ).toBe(true);

    // `siren render` takes the downloaded model as it is, derivatives included.
    const out = join(fixture.dir, "laplacian.png");
    const r = await runCli(["render", files["siren-camera.onnx"], "--output", "laplacian", "--width", "40", "-o", out]);
    expect(errorLines(r.stderr).filter((l) => !/^render|wrote|Rendered/i.test(l))).toEqual([]);
    expect(r.code).toBe(0);
    expect(pngSize(await readFile(out))).toEqual({ width: 40, height: 40 });
  });

  it("shows the trained models in the normal panes, zoomable beyond the image", async () => {
    await page.click("#train-explore");
    await waitDone(page);
    const models = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLCanvasElement>("canvas.image")].map((c) => c.dataset.model),
    );
    expect(models).toEqual(["siren-camera", "relu-pe-camera"]);
    // Out-of-sample: zoom out, and the panes render the larger region.
    await page.keyboard.press("-");
    await waitDone(page, "x1 - x0 > 2.2");
    expect(pageErrors).toEqual([]);
  });

  it("pauses, resumes and stops a run; a stopped run still exports its models", async () => {
    await page.fill("#train-steps", "5000");
    await page.click("#train-start");
    const step = () =>
      page.evaluate(() => Number(document.querySelector<HTMLElement>('.train-run[data-model="0"]')?.dataset.step ?? 0));
    await page.waitForFunction(
      () => Number(document.querySelector<HTMLElement>('.train-run[data-model="0"]')?.dataset.step) >= 5,
    );
    await page.click("#train-pause");
    await page.waitForTimeout(300); // a step in flight finishes
    const paused = await step();
    await page.waitForTimeout(700);
    expect(await step()).toBe(paused);
    expect(await page.textContent("#train-pause")).toBe("Resume");
    await page.click("#train-pause");
    await page.waitForFunction(
      (s) => Number(document.querySelector<HTMLElement>('.train-run[data-model="0"]')?.dataset.step) > s + 3,
      paused,
    );
    await page.click("#train-stop");
    await page.waitForFunction(() => document.getElementById("train-status")!.textContent === "finished", undefined, {
      timeout: 30_000,
    });
    const cards = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>(".train-run[data-model]")].map((e) => e.dataset.state),
    );
    expect(cards).toEqual(["done", "done"]);
    expect(await page.textContent('.train-run[data-model="0"] .train-figures')).toMatch(/^stopped at \d+ steps/);
    expect(await step()).toBeLessThan(5000);
  });

  it("trains the derivative and inpainting tasks with the CLI's task code", async () => {
    await dropFile("camera.png", await readFile(CAMERA));
    await page.fill("#train-steps", "8");
    for (const [task, metric] of [
      ["poisson-gradient", "gradient"],
      ["poisson-laplacian", "laplacian"],
      ["inpaint", "inpaint"],
    ] as const) {
      await page.selectOption("#train-task", task);
      if (task === "inpaint") {
        expect(await page.isVisible("#train-points")).toBe(true);
        await page.fill("#train-points", "300");
      }
      expect(await train()).toBe("");
      const cards = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>(".train-run[data-model]")].map((e) => ({ ...e.dataset })),
      );
      expect(
        cards.map((c) => c.state),
        metric,
      ).toEqual(["done", "done"]);
      for (const c of cards) expect(Number.isFinite(Number(c.psnr))).toBe(true);
      const file = await page.getAttribute('.train-run[data-model="0"] a.train-download', "download");
      expect(file).toBe(`siren-${task}-camera.onnx`);
    }
    await page.selectOption("#train-task", "fit");
    expect(await page.isVisible("#train-points")).toBe(false);
  });

  it("refuses a non-image, a corrupt file and a too large image with one-line messages; downscales a large one", async () => {
    await page.selectOption("#train-width", "32");
    await page.fill("#train-steps", "2");
    await dropFile("notes.png", Buffer.from("these are not pixels"), "image/png");
    expect(await train()).toBe("notes.png is not a PNG, JPEG or WebP image");

    const png = await readFile(CAMERA);
    await dropFile("cut.png", png.subarray(0, 2000));
    expect(await train()).toBe("cannot decode cut.png: the PNG file is corrupt or truncated");

    // A PNG header that claims 30000×30000 pixels: refused before any decoding.
    const huge = Buffer.from(png.subarray(0, 64));
    huge.writeUInt32BE(30_000, 16);
    huge.writeUInt32BE(30_000, 20);
    await dropFile("huge.png", huge);
    expect(await train()).toBe("huge.png is 30000×30000: the limit is 100 megapixels");

    const wide = await sharp({ create: { width: 6000, height: 300, channels: 3, background: "#808080" } })
      .png()
      .toBuffer();
    await dropFile("wide.png", wide);
    expect(await train()).toBe("wide.png is 6000×300: downscaled to at most 4096 px a side before cropping");
    expect(await page.evaluate(() => document.getElementById("train-message")!.dataset.kind)).toBe("notice");
    expect(await page.evaluate(() => document.querySelectorAll('.train-run[data-state="done"]').length)).toBe(2);
    expect(pageErrors).toEqual([]);
  });
});
