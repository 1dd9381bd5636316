import { fileURLToPath } from "node:url";
import { createSpec, initParams, type ModelKind, type ModelParams, nyquistOctaves } from "@siren-onnx/core";
import { fitTask, loadImage, TRAIN_DEFAULTS, trainLoop } from "@siren-onnx/trainer";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SWIFTSHADER_WEBGPU_ARGS } from "./browser-helpers.ts";
import { startTrainFixture, trainInPage } from "./train-helpers.ts";

const CAMERA = fileURLToPath(new URL("../../../data/camera.png", import.meta.url));
const SIZE = 48;
const STEPS = 5;
/** Random batches (not every pixel), so the batch sampler's stream is compared too. */
const SETTINGS = { task: "fit", size: SIZE, width: 32, hiddenLayers: 2, steps: STEPS, batch: 1024, seed: 3 } as const;

/** Largest difference over a tensor relative to its largest value: the "within 1e-5 relative". */
function worstRelative(browser: { weight: number[]; bias: number[] }[], node: ModelParams): number {
  let worst = 0;
  node.forEach((layer, i) => {
    for (const key of ["weight", "bias"] as const) {
      const ref = layer[key];
      const got = browser[i][key];
      let err = 0;
      let scale = 0;
      for (let k = 0; k < ref.length; k++) {
        err = Math.max(err, Math.abs(got[k] - ref[k]));
        scale = Math.max(scale, Math.abs(ref[k]));
      }
      worst = Math.max(worst, err / scale);
    }
  });
  return worst;
}

/** `siren train --engine onnxruntime` on the same pixels: the loop, the engine and the sampler the CLI runs. */
async function cliWeights(kind: ModelKind, image: Awaited<ReturnType<typeof loadImage>>, steps = STEPS) {
  const spec = createSpec(kind, {
    width: SETTINGS.width,
    hiddenLayers: SETTINGS.hiddenLayers,
    outputs: image.channels,
    peFrequencies: nyquistOctaves(SIZE),
  });
  const result = await trainLoop({
    task: fitTask(image),
    spec,
    params: initParams(spec, SETTINGS.seed),
    steps,
    lr: TRAIN_DEFAULTS.lr,
    schedule: TRAIN_DEFAULTS.schedule,
    batch: SETTINGS.batch,
    seed: SETTINGS.seed,
    engine: "onnxruntime",
    threads: 2,
  });
  return result.lastParams;
}

async function compare(page: Page, backend: "wasm" | "webgpu", kinds: ModelKind[]) {
  // Decoded and resized once, by the CLI's loadImage (sharp): both sides train on the same pixels.
  const image = await loadImage(CAMERA, { size: SIZE });
  const browser = await trainInPage(page, {
    pixels: { width: image.width, height: image.height, channels: image.channels, data: Array.from(image.data) },
    models: kinds,
    settings: SETTINGS,
    backend,
  });
  expect(browser.errors).toEqual([]);
  expect(browser.models.map((m) => m.stepsDone)).toEqual(kinds.map(() => STEPS));
  const errors = [];
  for (const [i, kind] of kinds.entries())
    errors.push(worstRelative(browser.models[i].lastParams, await cliWeights(kind, image)));
  // The comparison can tell: a CLI run one step shorter is far off.
  const shorter = worstRelative(browser.models[0].lastParams, await cliWeights(kinds[0], image, STEPS - 1));
  expect(shorter).toBeGreaterThan(1e-3);
  return { errors, description: browser.description };
}

describe("Train panel parity with the CLI", () => {
  let fixture: Awaited<ReturnType<typeof startTrainFixture>>;
  beforeAll(async () => {
    fixture = await startTrainFixture();
  });
  afterAll(async () => {
    await fixture?.stop();
  });

  it("wasm: the weights after 5 steps equal `siren train --engine onnxruntime` within 1e-5 relative", async () => {
    const page = await fixture.browser.newPage();
    await page.goto(`${fixture.base}?train`);
    const { errors, description } = await compare(page, "wasm", ["sine", "relu-pe"]);
    expect(description).toContain("wasm");
    console.log(`wasm parity: worst relative difference ${errors.map((e) => e.toExponential(2)).join(", ")}`);
    for (const e of errors) expect(e).toBeLessThan(1e-5);
    await page.close();
  });
});

describe("Train panel parity on WebGPU (SwiftShader)", () => {
  let fixture: Awaited<ReturnType<typeof startTrainFixture>>;
  beforeAll(async () => {
    process.env.VK_ICD_FILENAMES ??= "/usr/lib/chromium/vk_swiftshader_icd.json";
    fixture = await startTrainFixture(SWIFTSHADER_WEBGPU_ARGS);
  });
  afterAll(async () => {
    await fixture?.stop();
  });

  // SwiftShader is slow: one model. Measured 7e-7 (sin and cos are lowerTrig's polynomials there, exact to 3e-7).
  it("webgpu: the weights after 5 steps are within 1e-5 relative of the CLI's", async () => {
    const page = await fixture.browser.newPage();
    await page.goto(`${fixture.base}?train`);
    const { errors, description } = await compare(page, "webgpu", ["sine"]);
    expect(description).toContain("webgpu");
    console.log(`webgpu parity: worst relative difference ${errors.map((e) => e.toExponential(2)).join(", ")}`);
    for (const e of errors) expect(e).toBeLessThan(1e-5);
    await page.close();
  });
});
