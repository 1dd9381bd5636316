import { join } from "node:path";
import { type Checkpoint, float64Ops, forwardJet, matrix, paramsToMatrices, SeededRandom } from "@siren-onnx/core";
import * as ort from "onnxruntime-node";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openViewer, SWIFTSHADER_WEBGPU_ARGS, startViewerFixture } from "./browser-helpers.ts";

/**
 * The page's own engines against the float64 reference of the same weights: wasm, and WebGPU on
 * Chromium's software (SwiftShader) adapter, which runs here without a GPU. The exported graphs
 * are served with sin/cos as standard-op polynomials (?trig=), not WebGPU's ~2e-4 native sin, so both must be exact.
 */
let fixture: Awaited<ReturnType<typeof startViewerFixture>>;
let browser: Browser;
let base: string;
let dir: string;
let checkpoints: Record<string, Checkpoint>;

beforeAll(async () => {
  fixture = await startViewerFixture(
    [
      { name: "siren", kind: "sine", width: 32, hiddenLayers: 2, seed: 5, gain: 1 },
      { name: "rgb", kind: "sine", width: 16, hiddenLayers: 1, seed: 6, channels: 3, gain: 1 },
    ],
    SWIFTSHADER_WEBGPU_ARGS,
  );
  ({ browser, base } = fixture);
  ({ dir, checkpoints } = fixture);
});

afterAll(async () => {
  await fixture?.stop();
});

/** Random points in [-range, range]². */
function points(range: number, count = 48): number[] {
  const rng = new SeededRandom(11 + range);
  return Array.from({ length: 2 * count }, () => rng.uniform(-range, range));
}

/** onnxruntime-node's outputs of the same file: the CPU engine of `siren render` and the server. */
async function nodeOutputs(file: string, coords: number[]): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(join(dir, file));
  const input = new ort.Tensor("float32", Float32Array.from(coords), [coords.length / 2, 2]);
  const out = await session.run({ coords: input });
  await session.release();
  return {
    image: out.image.data as Float32Array,
    gradient: out.gradient.data as Float32Array,
    laplacian: out.laplacian.data as Float32Array,
  };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function evaluate(page: Page, model: string, coords: number[]) {
  return page.evaluate(
    ([model, coords]) =>
      (
        window as unknown as {
          sirenViewer: { evaluate: (m: string, c: number[]) => Promise<{ sources: Record<string, number[]> }> };
        }
      ).sirenViewer.evaluate(model, coords),
    [model, coords] as const,
  );
}

function reference(ckpt: Checkpoint, coords: number[]) {
  const pts = Float32Array.from(coords);
  const jet = forwardJet(float64Ops, ckpt.spec, paramsToMatrices(ckpt.params), matrix(pts.length / 2, 2, pts), 2);
  const gx = jet.gradient![0].data;
  const gy = jet.gradient![1].data;
  const gradient = new Float64Array(2 * gx.length);
  for (let i = 0; i < gx.length; i++) {
    gradient[2 * i] = gx[i];
    gradient[2 * i + 1] = gy[i];
  }
  return { image: jet.value.data, gradient, laplacian: jet.laplacian!.data };
}

/** Image to 1e-5 absolute; derivatives to 1e-4 of their largest value. */
const OUTPUT_TOLERANCES = [
  ["image", 1e-5],
  ["gradient", 1e-4],
  ["laplacian", 1e-4],
] as const;

function relative(output: string, got: ArrayLike<number>, want: ArrayLike<number>): number {
  return maxError(got, want) / (output === "image" ? 1 : maxAbs(want));
}

describe("the page's engines against float64", () => {
  for (const backend of ["wasm", "webgpu"] as const) {
    it(`${backend}: image to 1e-5, gradient and Laplacian to 1e-4 of their largest value`, async () => {
      const { page, errors } = await openViewer(browser, `${base}?model=siren&backend=${backend}`);
      const shown = await page.evaluate(
        () => (window as unknown as { sirenViewer: { backend: string } }).sirenViewer.backend,
      );
      expect(shown).toMatch(backend === "webgpu" ? /^webgpu \(software adapter: swiftshader\)$/ : /^wasm/);
      for (const name of ["siren", "rgb"]) {
        // In sample: against float64 arithmetic on the same weights.
        const inside = points(1);
        const got = (await evaluate(page, name, inside)).sources;
        const want = reference(checkpoints[name], inside);
        for (const [output, tolerance] of OUTPUT_TOLERANCES) {
          expect(relative(output, got[output], want[output]), `${name} ${output}`).toBeLessThanOrEqual(tolerance);
        }
        // Out of sample, float32 rounding of the first layer's arguments dominates a float64
        // comparison (30 * 300 has a float32 step of 1e-3), so the engines are compared on the
        // same float32 inputs: the page's against onnxruntime-node's, as `siren render` runs it.
        // Their Gemm sums differ in the last bit, which at |p| = 300 moves the image by ~1e-5.
        for (const [range, scale] of [
          [10, 1],
          [300, 10],
        ]) {
          const far = points(range);
          const page32 = (await evaluate(page, name, far)).sources;
          const node32 = await nodeOutputs(`${name}.deriv.onnx`, far);
          for (const [output, tolerance] of OUTPUT_TOLERANCES) {
            expect(
              relative(output, page32[output], node32[output]),
              `${name} ${output} at ${range}`,
            ).toBeLessThanOrEqual(scale * tolerance);
          }
        }
      }
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it("auto never picks a software WebGPU adapter", async () => {
    const { page } = await openViewer(browser, `${base}?model=siren`);
    const status = (await page.locator("#render-status").textContent())!;
    expect(status).toMatch(/\(auto, predicted frame: server \d+ ms, wasm \d+ ms\)/);
    expect(status).not.toContain("webgpu");
    await page.close();
  });
});
