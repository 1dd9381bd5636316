import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gridPoints, regionGrid, SeededRandom } from "@siren-onnx/core";
import { loadCheckpoint } from "@siren-onnx/core/node";
import { exportCheckpoint } from "@siren-onnx/exporter";
import { readModelMetadata } from "@siren-onnx/onnx-graph";
import { loadRenderModel, renderValues } from "@siren-onnx/renderer";
import { createOnnxEngine, DEFAULT_ADAM, trainImage } from "@siren-onnx/trainer";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { tempDir, writeSyntheticPng } from "../packages/trainer/test/helpers.ts";

/** fit -> checkpoint -> export -> any ONNX Runtime: the exported model is the trained model. */
describe("train -> export -> run", () => {
  for (const model of ["sine", "relu-pe", "finer", "gauss"] as const) {
    it(`${model}: the exported model reproduces the trainer's own forward pass`, async () => {
      const dir = await tempDir();
      const image = await writeSyntheticPng(join(dir, "img.png"), 24, 3);
      const run = join(dir, "run");
      const { result } = await trainImage({ image, model, size: 24, width: 24, hiddenLayers: 2, steps: 30, out: run });
      const prefix = join(dir, "models", "img");
      await exportCheckpoint(run, prefix, { force: false });

      const meta = readModelMetadata(await readFile(`${prefix}.onnx`));
      expect(meta.spec.activation).toBe(model);
      expect(meta.training?.psnr).toBeCloseTo(result.metrics.psnr, 6);

      // Points on the grid, between pixels and far outside the training domain.
      const rng = new SeededRandom(3);
      const coords = new Float32Array(200).map((_, i) => (i < 100 ? rng.uniform(-1, 1) : rng.uniform(-5, 5)));
      const ckpt = await loadCheckpoint(join(run, "checkpoint.safetensors"));
      const engine = await createOnnxEngine({
        spec: ckpt.spec,
        params: ckpt.params,
        supervision: "value",
        batchSize: 1,
        adam: DEFAULT_ADAM,
      });
      const expected = await engine.predict(coords);
      await engine.dispose();
      const session = await ort.InferenceSession.create(`${prefix}.deriv.onnx`);
      const out = await session.run({ coords: new ort.Tensor("float32", coords, [100, 2]) });
      const image01 = out.image.data as Float32Array;
      for (let i = 0; i < expected.length; i++) expect(image01[i]).toBeCloseTo(expected[i], 4);
      expect(out.gradient.dims).toEqual([100, 3, 2]);
      expect(out.laplacian.dims).toEqual([100, 3]);

      // The training reconstruction equals a render of the exported model over the training grid.
      const recon = await loadRenderModel(`${prefix}.onnx`);
      const rendered = await renderValues(recon, {
        width: 24,
        height: 24,
        region: { x0: -1, y0: -1, x1: 1, y1: 1 },
        output: "image",
      });
      const grid = await (async () => {
        const e = await createOnnxEngine({
          spec: ckpt.spec,
          params: ckpt.params,
          supervision: "value",
          batchSize: 1,
          adam: DEFAULT_ADAM,
        });
        const v = await e.predict(regionGrid(24, 24));
        await e.dispose();
        return v;
      })();
      let maxErr = 0;
      for (let i = 0; i < grid.length; i++) maxErr = Math.max(maxErr, Math.abs(grid[i] - rendered[i]));
      expect(maxErr).toBeLessThan(1e-4);
      expect(gridPoints(24, 24, [0, 575])).toEqual(Float32Array.of(-1, -1, 1, 1));
      await recon.dispose();
    });
  }
});
