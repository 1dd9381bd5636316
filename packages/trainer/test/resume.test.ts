import { existsSync } from "node:fs";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ModelParams } from "@siren-onnx/core";
import { RUN_FILES } from "@siren-onnx/core";
import { loadCheckpoint } from "@siren-onnx/core/node";
import { describe, expect, it } from "vitest";
import { decodeOptimizerFile, resumeRun, trainImage } from "../src/index.ts";
import { tempDir, writeSyntheticPng } from "./helpers.ts";

// Tiny runs: 16 px, width 16, mini-batches of 64 of the 256 pixels (so the batch sequence matters).
const tiny = { size: 16, width: 16, hiddenLayers: 1, seed: 3, batch: 64, lr: 1e-2, threads: 1 };

/** Stops a run right after `step` (as a signal would). */
function stopAfter(step: number) {
  const controller = new AbortController();
  return {
    signal: controller.signal,
    onStep: (info: { step: number }) => {
      if (info.step === step) controller.abort();
    },
  };
}

function maxRelativeDifference(a: ModelParams, b: ModelParams): number {
  let worst = 0;
  a.forEach((layer, i) => {
    for (const key of ["weight", "bias"] as const) {
      layer[key].forEach((v, k) => {
        const w = b[i][key][k];
        worst = Math.max(worst, Math.abs(v - w) / Math.max(Math.abs(v), Math.abs(w), 1e-12));
      });
    }
  });
  return worst;
}

async function readMetrics(dir: string) {
  return JSON.parse(await readFile(join(dir, RUN_FILES.metrics), "utf8"));
}

describe("resuming a run", () => {
  for (const engine of ["onnxruntime", "tfjs"] as const) {
    it(`continues a stopped run exactly as if uninterrupted (${engine})`, async () => {
      const dir = await tempDir();
      const image = await writeSyntheticPng(join(dir, "img.png"), 16);
      const whole = join(dir, "whole");
      const parts = join(dir, "parts");
      const full = await trainImage({ ...tiny, engine, image, steps: 6, out: whole });
      const first = await trainImage({ ...tiny, engine, image, steps: 6, out: parts, ...stopAfter(3) });
      expect(first.result.stopped).toBe(true);
      expect(first.result.stepsDone).toBe(3);
      expect((await readMetrics(parts)).stopped).toBe(true);

      const resumed = await resumeRun({ dir: parts, threads: 1 });
      expect(resumed.result.stopped).toBe(false);
      expect(resumed.result.stepsDone).toBe(6);
      expect(resumed.result.optimizer.step).toBe(6);
      expect(maxRelativeDifference(resumed.result.lastParams, full.result.lastParams)).toBeLessThan(1e-6);
      expect(maxRelativeDifference(resumed.result.params, full.result.params)).toBeLessThan(1e-6);
      expect(maxRelativeDifference(resumed.result.optimizer.m, full.result.optimizer.m)).toBeLessThan(1e-5);

      // The folder was updated in place and matches the uninterrupted one.
      const [a, b] = [await readMetrics(whole), await readMetrics(parts)];
      expect(b.steps).toBe(6);
      expect(b.stopped).toBeUndefined();
      expect(b.bestStep).toBe(a.bestStep);
      expect(b.psnr).toBeCloseTo(a.psnr, 4);
      expect(b.history.map((h: { step: number }) => h.step)).toEqual([1, 2, 3, 4, 5, 6]);
      for (const [k, h] of (b.history as Array<{ loss: number }>).entries()) {
        expect(h.loss).toBeCloseTo(a.history[k].loss, 5);
      }
      const [ca, cb] = [
        await loadCheckpoint(join(whole, RUN_FILES.checkpoint)),
        await loadCheckpoint(join(parts, RUN_FILES.checkpoint)),
      ];
      expect(cb.training.steps).toBe(6);
      expect(maxRelativeDifference(cb.params, ca.params)).toBeLessThan(1e-6);
      const saved = decodeOptimizerFile(await readFile(join(parts, RUN_FILES.optimizer)), cb.spec);
      expect(saved.adam.step).toBe(6);
      expect(maxRelativeDifference(saved.params, full.result.lastParams)).toBeLessThan(1e-6);
      // No temporary folder is left beside the run.
      expect((await readdir(dir)).sort()).toEqual(["img.png", "parts", "whole"]);
    });
  }

  it("extends a finished run to more steps and keeps the best weights of all its evaluations", async () => {
    const dir = await tempDir();
    const image = await writeSyntheticPng(join(dir, "img.png"), 16);
    const out = join(dir, "run");
    // lr far too high with a constant schedule: late steps get worse, so the kept weights come from early on.
    const settings = { ...tiny, image, lr: 5e-2, schedule: "constant" as const, evalEvery: 1 };
    const whole = await trainImage({ ...settings, steps: 12, out: join(dir, "whole") });
    await trainImage({ ...settings, steps: 11, out });
    // The best weights are from before the resume: they must survive the new, worse evaluations.
    expect(whole.result.bestStep).toBeLessThanOrEqual(11);
    const { result } = await resumeRun({ dir: out, steps: 12, threads: 1 });
    expect(result.stepsDone).toBe(12);
    expect(result.bestStep).toBe(whole.result.bestStep);
    expect(maxRelativeDifference(result.params, whole.result.params)).toBeLessThan(1e-6);
    const best = Math.max(...result.history.map((h) => h.psnr ?? Number.NEGATIVE_INFINITY));
    expect(result.metrics.psnr).toBeCloseTo(best, 6);
    const metrics = await readMetrics(out);
    expect(metrics.settings.steps).toBe(12);
    expect(metrics.history).toHaveLength(12);
  });

  it("refuses what it cannot continue with one-line errors", async () => {
    const dir = await tempDir();
    const image = await writeSyntheticPng(join(dir, "img.png"), 16);
    const out = join(dir, "run");
    await trainImage({ ...tiny, image, steps: 4, out });
    await expect(resumeRun({ dir: join(dir, "missing") })).rejects.toThrow(/^--resume: no run folder at /);
    await expect(resumeRun({ dir: out, steps: 2 })).rejects.toThrow(/--steps 2 is below the 4 steps/);
    await expect(resumeRun({ dir: out })).rejects.toThrow(/already done its 4 steps; pass --steps N/);
    await writeFile(image, "changed");
    await expect(resumeRun({ dir: out, steps: 5 })).rejects.toThrow(/image .* has changed since the run started/);
    await rm(join(out, RUN_FILES.optimizer));
    await expect(resumeRun({ dir: out, steps: 5 })).rejects.toThrow(/has no optimizer\.safetensors/);
  });

  it("--force writes over the run files of a folder and keeps the user's other files", async () => {
    const dir = await tempDir();
    const image = await writeSyntheticPng(join(dir, "img.png"), 16);
    const out = join(dir, "run");
    await trainImage({ ...tiny, image, steps: 2, out });
    await writeFile(join(out, "notes.txt"), "mine");
    await trainImage({ ...tiny, image, steps: 3, out, force: true });
    expect(await readFile(join(out, "notes.txt"), "utf8")).toBe("mine");
    expect((await readMetrics(out)).steps).toBe(3);
    expect((await readdir(out)).sort()).toEqual([...Object.values(RUN_FILES), "notes.txt"].sort());
    expect((await readdir(dir)).sort()).toEqual(["img.png", "run"]);
  });

  it("leaves no run directory when a run fails", async () => {
    const dir = await tempDir();
    const image = await writeSyntheticPng(join(dir, "img.png"), 16);
    const out = join(dir, "run");
    await expect(
      trainImage({ image, size: 16, width: 16, hiddenLayers: 3, steps: 20, lr: 1e9, threads: 1, out }),
    ).rejects.toThrow(/diverged/);
    expect(existsSync(out)).toBe(false);
    await expect(trainImage({ ...tiny, image, steps: 2, device: "tpu", out })).rejects.toThrow(/--device/);
    expect(existsSync(out)).toBe(false);
    expect(await readdir(dir)).toEqual(["img.png"]);
  });
});
