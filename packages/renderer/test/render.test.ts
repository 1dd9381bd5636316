import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type Checkpoint,
  float64Ops,
  forwardJet,
  matrix,
  paramsToMatrices,
  parseRegion,
  regionGrid,
  UserError,
} from "@siren-onnx/core";
import { saveCheckpoint } from "@siren-onnx/core/node";
import { exportCheckpoint } from "@siren-onnx/exporter";
import { sharedSessionWorkers } from "@siren-onnx/sessions";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relativeError, smallCheckpoint, tempDir } from "../../../test/support/fixtures.ts";
import { renderPng, renderValues } from "../src/render.ts";
import { renderToFile } from "../src/render-file.ts";
import { loadRenderModel, type RenderModel } from "../src/render-model.ts";

const REGION = parseRegion("-3,-2,4,1");
const [W, H] = [7, 5];

function reference(ckpt: Checkpoint, width: number, height: number) {
  const pts = regionGrid(width, height, REGION);
  return forwardJet(float64Ops, ckpt.spec, paramsToMatrices(ckpt.params), matrix(width * height, 2, pts), 2);
}

describe("rendering an exported model", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let rgbPath: string;
  let grayPath: string;
  let rgb: RenderModel;
  const rgbCkpt = smallCheckpoint("sine", { channels: 3, seed: 3 });
  const grayCkpt = smallCheckpoint("tanh", { channels: 1, seed: 4 });

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    await saveCheckpoint(join(dir, "rgb.safetensors"), rgbCkpt);
    await saveCheckpoint(join(dir, "gray.safetensors"), grayCkpt);
    rgbPath = (await exportCheckpoint(join(dir, "rgb.safetensors"), join(dir, "rgb"))).imageModel;
    grayPath = (await exportCheckpoint(join(dir, "gray.safetensors"), join(dir, "gray"))).imageModel;
    rgb = await loadRenderModel(rgbPath);
  });
  afterAll(async () => {
    await rgb.dispose();
    await cleanup();
  });

  it("renders image values that match the float64 reference over an out-of-sample region", async () => {
    const values = await renderValues(rgb, { width: W, height: H, region: REGION, output: "image" });
    expect(values.length).toBe(W * H * 3);
    expect(relativeError(values, reference(rgbCkpt, W, H).value.data)).toBeLessThan(2e-5);
  });

  it("takes derivative outputs from the sibling .deriv.onnx of an image-only model", async () => {
    expect(rgb.metadata.hasDerivatives).toBe(false);
    expect(rgb.hasDerivatives).toBe(true);
    const ref = reference(rgbCkpt, W, H);
    const opts = { width: W, height: H, region: REGION };
    const gx = await renderValues(rgb, { ...opts, output: "gradient-x" });
    const gy = await renderValues(rgb, { ...opts, output: "gradient-y" });
    const magnitude = await renderValues(rgb, { ...opts, output: "gradient-magnitude" });
    const gradient = await renderValues(rgb, { ...opts, output: "gradient" });
    const laplacian = await renderValues(rgb, { ...opts, output: "laplacian" });
    expect(relativeError(gx, ref.gradient![0].data)).toBeLessThan(2e-5);
    expect(relativeError(gy, ref.gradient![1].data)).toBeLessThan(2e-5);
    expect(
      relativeError(
        magnitude,
        ref.gradient![0].data.map((x, i) => Math.hypot(x, ref.gradient![1].data[i])),
      ),
    ).toBeLessThan(2e-5);
    expect(Array.from(gradient.filter((_, i) => i % 2 === 1))).toEqual(Array.from(gy));
    expect(relativeError(laplacian, ref.laplacian!.data)).toBeLessThan(2e-4);
  });

  it("gives identical values in tiles (crossing row boundaries) and in one batch", async () => {
    for (const output of ["image", "gradient", "laplacian"] as const) {
      const opts = { width: 13, height: 9, region: REGION, output };
      const single = await renderValues(rgb, { ...opts, tilePoints: 13 * 9 });
      const done: number[] = [];
      const tiled = await renderValues(rgb, { ...opts, tilePoints: 10, onProgress: (d) => done.push(d) });
      expect(Array.from(tiled)).toEqual(Array.from(single));
      expect(done.length).toBe(12);
      expect(done.at(-1)).toBe(13 * 9);
    }
  });

  it("renders again after its shared workers stopped: their replacements get new sessions", async () => {
    const model = await loadRenderModel(rgbPath, { threads: 2 });
    try {
      const opts = { width: 13, height: 9, region: REGION, output: "image", tilePoints: 10 } as const;
      const before = await renderValues(model, opts);
      for (const worker of sharedSessionWorkers()) await worker.terminate();
      const after = await renderValues(model, opts);
      expect(Array.from(after)).toEqual(Array.from(before));
    } finally {
      await model.dispose();
    }
  });

  it("stops between tiles when its signal is aborted: each of its sessions finishes the tile it has", async () => {
    // Two single-threaded sessions in workers render tiles side by side.
    const model = await loadRenderModel(rgbPath, { threads: 2 });
    try {
      const controller = new AbortController();
      const opts = { width: 13, height: 9, region: REGION, output: "image", tilePoints: 10 } as const;
      const done: number[] = [];
      const render = renderValues(model, {
        ...opts,
        signal: controller.signal,
        onProgress: (d) => {
          done.push(d);
          controller.abort();
        },
      });
      await expect(render).rejects.toThrow(/abort/i);
      expect(done.length).toBeGreaterThan(0);
      expect(done.length).toBeLessThanOrEqual(2);
      expect(done.at(-1)).toBeLessThanOrEqual(20);
    } finally {
      await model.dispose();
    }
  });

  it("writes a PNG whose pixels are the reference values mapped from [-1, 1]", async () => {
    const gray = await loadRenderModel(grayPath);
    try {
      const { png, normalisation } = await renderPng(gray, { width: W, height: H, region: REGION, output: "image" });
      const meta = await sharp(png).metadata();
      expect([meta.width, meta.height, meta.channels]).toEqual([W, H, 1]);
      const data = await sharp(png).toColourspace("b-w").raw().toBuffer();
      const ref = reference(grayCkpt, W, H).value.data;
      const expected = Array.from(ref, (v) => Math.min(255, Math.max(0, Math.round(127.5 * (v + 1)))));
      expect(Array.from(data).every((p, i) => Math.abs(p - expected[i]) <= 1)).toBe(true);
      expect(normalisation).toMatch(/\(v \+ 1\) \/ 2 clipped to \[0, 1\]/);
    } finally {
      await gray.dispose();
    }
    const lap = await renderPng(rgb, { width: W, height: H, region: REGION, output: "laplacian" });
    expect((await sharp(lap.png).metadata()).channels).toBe(3);
    expect(lap.normalisation).toMatch(/symmetric ±[\d.e+-]+ \(99th percentile/);
  });

  it("uses the image-only sibling or the derivative file, whichever is given", async () => {
    const deriv = await loadRenderModel(rgbPath.replace(/\.onnx$/, ".deriv.onnx"));
    try {
      expect(deriv.metadata.hasDerivatives).toBe(true);
      const opts = { width: W, height: H, region: REGION, output: "image" } as const;
      expect(Array.from(await renderValues(deriv, opts))).toEqual(Array.from(await renderValues(rgb, opts)));
    } finally {
      await deriv.dispose();
    }
  });

  it("says clearly when an image-only model has no .deriv.onnx beside it", async () => {
    const lone = join(dir, "lone", "model.onnx");
    await mkdir(join(dir, "lone"));
    await copyFile(rgbPath, lone);
    const model = await loadRenderModel(lone);
    try {
      expect(model.hasDerivatives).toBe(false);
      const image = await renderValues(model, { width: 2, height: 2, region: REGION, output: "image" });
      expect(image.length).toBe(12);
      await expect(renderValues(model, { width: 2, height: 2, region: REGION, output: "laplacian" })).rejects.toThrow(
        /model\.onnx has no derivative outputs and there is no .*model\.deriv\.onnx beside it/,
      );
    } finally {
      await model.dispose();
    }
  });

  it("refuses a .deriv.onnx sibling exported from another checkpoint", async () => {
    await mkdir(join(dir, "mixed"));
    await copyFile(rgbPath, join(dir, "mixed", "m.onnx"));
    await copyFile(grayPath.replace(/\.onnx$/, ".deriv.onnx"), join(dir, "mixed", "m.deriv.onnx"));
    const model = await loadRenderModel(join(dir, "mixed", "m.onnx"));
    try {
      const error = await renderValues(model, { width: 2, height: 2, region: REGION, output: "gradient" }).catch(
        (e) => e,
      );
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toMatch(/m\.deriv\.onnx does not belong to .*m\.onnx/);
    } finally {
      await model.dispose();
    }
  });

  it("writes raw values as .npy (with shape) and .json, and refuses to overwrite without force", async () => {
    const opts = { width: W, height: H, region: REGION, output: "gradient" } as const;
    const values = await renderValues(rgb, opts);
    const npy = join(dir, "g.npy");
    await renderToFile(rgb, opts, { path: npy, format: "npy" });
    const bytes = await readFile(npy);
    const headerLength = bytes.readUInt16LE(8);
    expect(bytes.subarray(0, 6).toString("latin1")).toBe("\x93NUMPY");
    expect((10 + headerLength) % 64).toBe(0);
    expect(bytes.subarray(10, 10 + headerLength).toString()).toMatch(/'descr': '<f4'.*'shape': \(5, 7, 3, 2\)/);
    const data = bytes.subarray(10 + headerLength);
    expect(Array.from(new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)))).toEqual(
      Array.from(values),
    );

    const json = join(dir, "g.json");
    await renderToFile(rgb, opts, { path: json, format: "json" });
    const parsed = JSON.parse(await readFile(json, "utf8"));
    expect(parsed.shape).toEqual([H, W, 3, 2]);
    expect(parsed.region).toBe("-3,-2,4,1");
    expect(relativeError(parsed.values, values)).toBeLessThan(1e-7);

    await writeFile(join(dir, "keep.png"), "user data");
    await expect(
      renderToFile(rgb, { ...opts, output: "image" }, { path: join(dir, "keep.png"), format: "png" }),
    ).rejects.toThrow(/keep\.png already exists \(use --force/);
    expect(await readFile(join(dir, "keep.png"), "utf8")).toBe("user data");
    await renderToFile(rgb, { ...opts, output: "image" }, { path: join(dir, "keep.png"), format: "png", force: true });
    expect((await sharp(join(dir, "keep.png")).metadata()).width).toBe(W);
  });
});
