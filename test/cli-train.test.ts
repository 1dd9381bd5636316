import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { RUN_FILES } from "@siren-onnx/core";
import { loadCheckpoint } from "@siren-onnx/core/node";
import { trainImage } from "@siren-onnx/trainer";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir, writeSyntheticPng } from "../packages/trainer/test/helpers.ts";
import { errorLines, runCli } from "./support/cli.ts";

/** A training that would run for a long time, and sends `signal` to the top process once it has started. */
async function stoppedRun(signal: NodeJS.Signals, options: { pnpm?: boolean } = {}) {
  const dir = await tempDir();
  const image = await writeSyntheticPng(join(dir, "img.png"), 16);
  const out = join(dir, "run");
  let sent = false;
  const args = ["train", image, "--size", "16", "--width", "16", "--layers", "1", "--threads", "1"];
  const r = await runCli([...args, "--steps", "100000", "--out", out], {
    ...options,
    onStderr: (chunk, child) => {
      if (!sent && /train .*\d+\/100000/.test(chunk)) {
        sent = true;
        setTimeout(() => child.kill(signal), 300);
      }
    },
  });
  return { dir, out, r };
}

/** Every run file is there, the run is marked stopped, and nothing else was left beside it. */
async function expectCompleteStoppedRun(dir: string, out: string): Promise<number> {
  for (const file of Object.values(RUN_FILES)) expect((await readFile(join(out, file))).length).toBeGreaterThan(0);
  const metrics = JSON.parse(await readFile(join(out, RUN_FILES.metrics), "utf8"));
  expect(metrics.stopped).toBe(true);
  expect(metrics.steps).toBeGreaterThan(0);
  expect(metrics.steps).toBeLessThan(100000);
  expect((await loadCheckpoint(join(out, RUN_FILES.checkpoint))).training.steps).toBe(metrics.steps);
  expect((await readdir(dir)).sort()).toEqual(["img.png", "run"]);
  return metrics.steps;
}

describe("siren train (CLI)", () => {
  it("trains and reports where the results are", async () => {
    const dir = await tempDir();
    const image = await writeSyntheticPng(join(dir, "img.png"), 16);
    const out = join(dir, "run");
    const r = await runCli([
      "train",
      image,
      "--size",
      "16",
      "--width",
      "16",
      "--layers",
      "1",
      "--steps",
      "20",
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/done: 20 steps .* PSNR \d+\.\d\d dB/);
    expect(r.stdout).toContain(join(out, "checkpoint.safetensors"));
    expect(r.stderr).toMatch(/train 100% 20\/20 .*loss .*psnr .*eta/);
    expect((await loadCheckpoint(join(out, "checkpoint.safetensors"))).training.steps).toBe(20);
  });

  it("fits an image with more pixels than a batch after a warm start on small batches that shows its own progress and is recorded; --no-warm-start skips it", async () => {
    const dir = await tempDir();
    const image = await writeSyntheticPng(join(dir, "img.png"), 136);
    const args = ["train", image, "--size", "136", "--width", "8", "--layers", "1", "--steps", "3", "--threads", "1"];
    const warm = await runCli([...args, "--out", join(dir, "warm")]);
    expect(warm.code).toBe(0);
    expect(warm.stderr).toMatch(/warm start, 2048-point batches 100% 200\/200 /);
    expect(warm.stderr).toMatch(/\ntrain 100% 3\/3 /);
    const recorded = JSON.parse(await readFile(join(dir, "warm", RUN_FILES.metrics), "utf8"));
    expect(recorded.settings.coarse).toMatchObject({ batch: 2048, steps: 200, lr: 1e-3 });
    expect(recorded.settings.coarse.psnr).toBeGreaterThan(0);

    const cold = await runCli([...args, "--no-warm-start", "--out", join(dir, "cold")]);
    expect(cold.code).toBe(0);
    expect(cold.stderr).not.toMatch(/warm start/);
    expect(JSON.parse(await readFile(join(dir, "cold", RUN_FILES.metrics), "utf8")).settings.coarse).toBeUndefined();
  });

  const bad: Array<[string, (dir: string) => Promise<string[]>, RegExp]> = [
    ["a missing image", async (d) => ["train", join(d, "missing.png")], /image not found/],
    [
      "a file that is not an image",
      async (d) => {
        await writeFile(join(d, "notes.png"), "hello");
        return ["train", join(d, "notes.png")];
      },
      /not a supported image/,
    ],
    [
      "a truncated image",
      async (d) => {
        const png = await readFile("data/camera.png");
        await writeFile(join(d, "cut.png"), png.subarray(0, 2000));
        return ["train", join(d, "cut.png"), "--size", "16"];
      },
      /cannot (decode|read) image/,
    ],
    ["an unknown model", async () => ["train", "data/camera.png", "--model", "gelu"], /unknown model "gelu"/],
    [
      "a negative step count",
      async () => ["train", "data/camera.png", "--steps", "-5"],
      /--steps: expected a positive integer/,
    ],
    ["a non-numeric lr", async () => ["train", "data/camera.png", "--lr", "fast"], /--lr: expected a positive number/],
    [
      "an absurd size",
      async () => ["train", "data/camera.png", "--size", "100000"],
      /--size: 100000 is beyond the limit of 2048/,
    ],
    ["a zero batch", async () => ["train", "data/camera.png", "--batch", "0"], /--batch: expected a positive integer/],
    [
      "an unknown engine",
      async () => ["train", "data/camera.png", "--engine", "torch"],
      /--engine: expected onnxruntime or tfjs/,
    ],
    [
      "an unknown device",
      async () => ["train", "data/camera.png", "--device", "tpu", "--size", "16", "--out", "/tmp/siren-never"],
      /--device: expected cpu, cuda, webgpu or auto, got "tpu"/,
    ],
    ["an unknown flag", async () => ["train", "data/camera.png", "--colour"], /unknown option '--colour'/],
    [
      "a task flag without its task",
      async () => ["train", "data/camera.png", "--size", "16", "--points", "5", "--out", "/tmp/siren-never"],
      /--points belongs to --task inpaint, but the task is fit/,
    ],
    [
      "an alpha outside [0, 1]",
      async () => ["train", "data/camera.png", "--task", "blend", "--alpha", "abc"],
      /--alpha: expected a number in \[0, 1\], got "abc"/,
    ],
    [
      "a non-empty output directory",
      async (d) => {
        await mkdir(join(d, "full"));
        await writeFile(join(d, "full", "keep.txt"), "user data");
        return ["train", "data/camera.png", "--size", "16", "--out", join(d, "full")];
      },
      /not empty; pass --force/,
    ],
  ];

  for (const [what, args, message] of bad) {
    it(`rejects ${what} with a one-line error`, async () => {
      const dir = await tempDir();
      const r = await runCli(await args(dir));
      expect(r.code).not.toBe(0);
      const lines = errorLines(r.stderr);
      expect(lines.join("\n")).toMatch(message);
      expect(lines.filter((l) => /^\s+at /.test(l))).toEqual([]);
      expect(lines.filter((l) => l.startsWith("error")).length).toBe(1);
    });
  }

  it("reports divergence as a one-line error and leaves no empty run directory", async () => {
    const dir = await tempDir();
    const image = await writeSyntheticPng(join(dir, "img.png"), 16);
    const out = join(dir, "run");
    const r = await runCli([
      "train",
      image,
      "--size",
      "16",
      "--width",
      "16",
      "--steps",
      "20",
      "--lr",
      "1e9",
      "--out",
      out,
    ]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr).join("\n")).toMatch(/error: training diverged at step \d+ .*try a lower --lr/);
    expect(existsSync(out)).toBe(false);
    const cuda = await runCli(["train", image, "--size", "16", "--device", "gpu", "--out", out]);
    expect(cuda.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it("stops cleanly on Ctrl-C and keeps the last finished step", async () => {
    const dir = await tempDir();
    const image = await writeSyntheticPng(join(dir, "img.png"), 16);
    const out = join(dir, "run");
    let sent = false;
    const r = await runCli(["train", image, "--size", "16", "--width", "16", "--steps", "1000000", "--out", out], {
      onStderr: (chunk, child) => {
        if (!sent && /train .*\d+\/1000000/.test(chunk)) {
          sent = true;
          setTimeout(() => child.kill("SIGINT"), 300);
        }
      },
      env: { CI: "1" },
    });
    expect(r.code).toBe(130);
    expect(r.stdout).toMatch(/stopped: \d+ steps/);
    const ckpt = await loadCheckpoint(join(out, "checkpoint.safetensors"));
    expect(ckpt.training.steps).toBeGreaterThan(0);
    expect(ckpt.training.steps).toBeLessThan(1000000);
  });

  it("stops on SIGTERM sent to the pnpm process alone, saves the run, exits 143, and the run resumes", async () => {
    const { dir, out, r } = await stoppedRun("SIGTERM", { pnpm: true });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(143);
    expect(r.stdout).toMatch(/stopped: \d+ steps/);
    const done = await expectCompleteStoppedRun(dir, out);
    const resumed = await runCli(["train", "--resume", out, "--steps", String(done + 2), "--threads", "1"]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`done: ${done + 2} steps`);
    expect(resumed.stderr).toMatch(new RegExp(`train \\(resumed at step ${done}\\) 100% 2/2`));
    expect((await loadCheckpoint(join(out, RUN_FILES.checkpoint))).training.steps).toBe(done + 2);
    const metrics = JSON.parse(await readFile(join(out, RUN_FILES.metrics), "utf8"));
    expect(metrics.history).toHaveLength(done + 2);
    expect(metrics.stopped).toBeUndefined();
  });

  it("saves the run when the pnpm process alone gets SIGHUP (pnpm dies of it without forwarding)", async () => {
    const { dir, out, r } = await stoppedRun("SIGHUP", { pnpm: true });
    expect(r.signal).toBe("SIGHUP"); // pnpm itself; the close event waited for siren to finish writing
    expect(r.stdout).toMatch(/stopped: \d+ steps/);
    expect(r.stderr).toMatch(/pnpm process running siren has gone: finishing the current step and saving/);
    await expectCompleteStoppedRun(dir, out);
  });

  it("stops on SIGHUP like SIGINT and exits 129", async () => {
    const { dir, out, r } = await stoppedRun("SIGHUP");
    expect(r.code).toBe(129);
    expect(r.stderr).toMatch(/SIGHUP received: finishing the current step/);
    await expectCompleteStoppedRun(dir, out);
  });

  describe("--resume errors", () => {
    let dir = "";
    beforeAll(async () => {
      dir = await tempDir();
      const image = await writeSyntheticPng(join(dir, "img.png"), 16);
      const tiny = { image, size: 16, width: 16, hiddenLayers: 1, steps: 3, threads: 1 };
      await trainImage({ ...tiny, out: join(dir, "run") });
      await trainImage({ ...tiny, out: join(dir, "old") });
      await rm(join(dir, "old", RUN_FILES.optimizer));
    });
    const cases: Array<[string, (dir: string) => string[], RegExp]> = [
      ["a missing folder", (d) => ["--resume", join(d, "nowhere")], /--resume: no run folder at .*nowhere/],
      ["a folder without optimizer state", (d) => ["--resume", join(d, "old")], /has no optimizer\.safetensors/],
      [
        "--steps below the steps done",
        (d) => ["--resume", join(d, "run"), "--steps", "2"],
        /--steps 2 is below the 3 steps/,
      ],
      [
        "a setting that would change the run",
        (d) => ["--resume", join(d, "run"), "--lr", "1"],
        /--lr does not go with --resume/,
      ],
      [
        "--no-warm-start (the run's warm start is already done)",
        (d) => ["--resume", join(d, "run"), "--no-warm-start"],
        /--no-warm-start does not go with --resume/,
      ],
    ];
    for (const [what, args, message] of cases) {
      it(`rejects ${what} with a one-line error`, async () => {
        const r = await runCli(["train", ...args(dir)]);
        expect(r.code).toBe(2);
        const lines = errorLines(r.stderr);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(message);
        expect(lines[0]).toMatch(/^error: /);
      });
    }
  });
});
