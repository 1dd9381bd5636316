import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { RUN_FILES } from "@siren-onnx/core";
import { loadCheckpoint } from "@siren-onnx/core/node";
import { describe, expect, it } from "vitest";
import { loadImage, trainImage } from "../src/index.ts";
import { tempDir, writeSyntheticPng } from "./helpers.ts";

const small = { size: 32, width: 32, hiddenLayers: 2, seed: 1 };

describe("trainImage (fit)", () => {
  it("fits a small grayscale image above a PSNR floor and writes a complete run directory", async () => {
    const dir = await tempDir();
    const image = await writeSyntheticPng(join(dir, "img.png"), 32);
    const out = join(dir, "run");
    const { result } = await trainImage({ ...small, image, steps: 80, lr: 1e-3, batch: "full", out });
    expect(result.metrics.psnr).toBeGreaterThan(30);
    expect(result.stepsDone).toBe(80);
    for (const file of Object.values(RUN_FILES)) expect((await readFile(join(out, file))).length).toBeGreaterThan(0);
    const metrics = JSON.parse(await readFile(join(out, RUN_FILES.metrics), "utf8"));
    expect(metrics).toMatchObject({
      task: "fit",
      model: "siren",
      engine: expect.stringContaining("onnxruntime"),
      steps: 80,
    });
    expect(metrics.psnr).toBeCloseTo(result.metrics.psnr, 6);
    expect(metrics.history).toHaveLength(80);
    expect(metrics.history[0].loss).toBeGreaterThan(metrics.history[79].loss);
    expect(metrics.msPerStep).toBeGreaterThan(0);
    const ckpt = await loadCheckpoint(join(out, RUN_FILES.checkpoint));
    expect(ckpt.spec).toMatchObject({ activation: "sine", width: 32, hiddenLayers: 2, outputs: 1, omega0: 30 });
    expect(ckpt.training).toMatchObject({ task: "fit", steps: 80, lr: 1e-3, seed: 1, imageWidth: 32, channels: 1 });
    expect(ckpt.training.psnr).toBeCloseTo(result.metrics.psnr, 6);
    const svg = await readFile(join(out, RUN_FILES.curves), "utf8");
    expect(svg).toMatch(/^<svg[\s\S]*<path d="M/);
  });

  it("fits RGB images with three output channels and mini-batches", async () => {
    const dir = await tempDir();
    const image = await writeSyntheticPng(join(dir, "rgb.png"), 32, 3);
    const { result } = await trainImage({ ...small, image, steps: 120, lr: 1e-3, batch: 256, out: join(dir, "run") });
    expect(result.metrics.psnr).toBeGreaterThan(24);
    const ckpt = await loadCheckpoint(join(dir, "run", RUN_FILES.checkpoint));
    expect(ckpt.spec.outputs).toBe(3);
    expect(ckpt.training.batch).toBe(256);
  });

  it("shows the study's ordering on a photo: SIREN far ahead, sigmoid last", async () => {
    const dir = await tempDir();
    const psnr: Record<string, number> = {};
    for (const model of ["sine", "relu", "tanh", "sigmoid"] as const) {
      const { result } = await trainImage({
        ...small,
        image: "data/camera.png",
        model,
        steps: 60,
        lr: 1e-3,
        schedule: "constant",
        batch: "full",
        out: join(dir, model),
      });
      psnr[model] = result.metrics.psnr;
    }
    expect(psnr.sine).toBeGreaterThan(psnr.relu + 3);
    expect(psnr.sine).toBeGreaterThan(psnr.tanh + 3);
    expect(psnr.sigmoid).toBeLessThan(Math.min(psnr.relu, psnr.tanh));
  });

  it("is deterministic for a seed", async () => {
    const dir = await tempDir();
    const image = await writeSyntheticPng(join(dir, "img.png"), 16);
    const run = async (out: string) =>
      (await trainImage({ ...small, size: 16, image, steps: 5, batch: 64, threads: 1, out: join(dir, out) })).result;
    const [a, b] = [await run("a"), await run("b")];
    expect(a.finalLoss).toBe(b.finalLoss);
    expect(Array.from(a.params[0].weight)).toEqual(Array.from(b.params[0].weight));
  });

  it("refuses to overwrite a non-empty run directory unless forced", async () => {
    const dir = await tempDir();
    const image = await writeSyntheticPng(join(dir, "img.png"), 16);
    const out = join(dir, "run");
    await trainImage({ ...small, size: 16, image, steps: 2, out });
    await expect(trainImage({ ...small, size: 16, image, steps: 2, out })).rejects.toThrow(/not empty.*--force/);
    await expect(trainImage({ ...small, size: 16, image, steps: 2, out, force: true })).resolves.toBeDefined();
  });

  it("keeps the best weights when a run gets worse late", async () => {
    const dir = await tempDir();
    const image = await writeSyntheticPng(join(dir, "img.png"), 16);
    // A learning rate far too high makes the fit unstable; the kept weights are the best evaluated ones.
    const { result } = await trainImage({
      ...small,
      size: 16,
      image,
      steps: 40,
      lr: 3e-2,
      schedule: "constant",
      evalEvery: 1,
      out: join(dir, "run"),
    });
    const best = Math.max(...result.history.map((h) => h.psnr ?? Number.NEGATIVE_INFINITY));
    expect(result.metrics.psnr).toBeCloseTo(best, 6);
  });
});

describe("loadImage", () => {
  it("keeps grayscale as one channel, maps to [-1, 1] and resizes to a square", async () => {
    const img = await loadImage("data/camera.png", { size: 64 });
    expect(img).toMatchObject({ width: 64, height: 64, channels: 1 });
    expect(Math.min(...img.data)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...img.data)).toBeLessThanOrEqual(1);
    const rgb = await loadImage("data/astronaut.png", { size: 16 });
    expect(rgb.channels).toBe(3);
    expect(rgb.data.length).toBe(16 * 16 * 3);
    expect((await loadImage("data/astronaut.png", { size: 16, gray: true })).channels).toBe(1);
  });

  it("rejects missing, non-image and truncated files with one-line errors", async () => {
    const dir = await tempDir();
    await expect(loadImage(join(dir, "nope.png"), { size: 16 })).rejects.toThrow(/image not found/);
    await writeFile(join(dir, "text.png"), "not an image");
    await expect(loadImage(join(dir, "text.png"), { size: 16 })).rejects.toThrow(/not a supported image/);
    const png = await readFile("data/camera.png");
    await writeFile(join(dir, "cut.png"), png.subarray(0, png.length / 3));
    await expect(loadImage(join(dir, "cut.png"), { size: 16 })).rejects.toThrow(/cannot (decode|read) image/);
    await expect(loadImage("data/camera.png", { size: 100_000 })).rejects.toThrow(/outside the supported range/);
  });
});
