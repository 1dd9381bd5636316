import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadRenderModel, renderPng, renderValues } from "@siren-onnx/renderer";
import type { ModelListing } from "@siren-onnx/viewer";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeModels, tempDir } from "./fixtures.ts";
import { json, listenApp, pngSize, rawRequest } from "./http-helpers.ts";

let dir: string;
let server: Awaited<ReturnType<typeof listenApp>>;
const get = (path: string, headers?: Record<string, string>) => rawRequest(server.port, path, { headers });

beforeAll(async () => {
  dir = await tempDir();
  await makeModels(dir, [
    { name: "siren", kind: "sine" },
    { name: "relu-rgb", kind: "relu", channels: 3 },
    { name: "tanh", kind: "tanh" },
  ]);
  await rm(join(dir, "tanh.deriv.onnx")); // an image-only model
  await writeFile(join(dir, "junk.onnx"), "not a model");
  server = await listenApp({ modelsDir: dir, queue: { concurrency: 1, maxQueued: 4 } });
});

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("GET /api/models", () => {
  it("lists the models with their metadata and explains skipped files", async () => {
    const response = await get("/api/models");
    expect(response.status).toBe(200);
    expect(response.headers["cross-origin-opener-policy"]).toBe("same-origin");
    expect(response.headers["cross-origin-embedder-policy"]).toBe("require-corp");
    const listing = json(response) as unknown as ModelListing;
    expect(listing.models.map((m) => m.name)).toEqual(["relu-rgb", "siren", "tanh"]);
    const siren = listing.models.find((m) => m.name === "siren")!;
    expect(siren.files).toEqual({ image: "siren.onnx", derivatives: "siren.deriv.onnx" });
    expect(siren.metadata.spec.activation).toBe("sine");
    expect(siren.metadata.source).toMatchObject({ width: 32, height: 24 });
    expect(siren.metadata.training.psnr).toBe(20);
    expect(listing.models.find((m) => m.name === "relu-rgb")!.metadata.channels).toBe(3);
    expect(listing.models.find((m) => m.name === "tanh")!.files).toEqual({ image: "tanh.onnx" });
    expect(listing.skipped).toEqual([{ file: "junk.onnx", reason: expect.stringMatching(/not an ONNX model/) }]);
  });
});

describe("GET /models/<file>", () => {
  it("serves model files with a binary content type and revalidation headers", async () => {
    const response = await get("/models/siren.deriv.onnx");
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("application/octet-stream");
    expect(response.headers["cache-control"]).toContain("no-cache");
    expect(response.body.length).toBeGreaterThan(1000);
    const etag = response.headers.etag as string;
    expect(etag).toBeTruthy();
    expect((await get("/models/siren.deriv.onnx", { "If-None-Match": etag })).status).toBe(304);
  });

  it("serves onnxruntime-web's runtime with wasm and JavaScript content types", async () => {
    const wasm = await rawRequest(server.port, "/ort/ort-wasm-simd-threaded.wasm", { method: "HEAD" });
    expect(wasm.status).toBe(200);
    expect(wasm.headers["content-type"]).toBe("application/wasm");
    const mjs = await rawRequest(server.port, "/ort/ort-wasm-simd-threaded.mjs", { method: "HEAD" });
    expect(mjs.headers["content-type"]).toMatch(/^text\/javascript/);
    expect((await get("/ort/ort.node.min.js")).status).toBe(404);
  });
});

describe("GET /models/<file>?trig=", () => {
  it("serves the file with sin/cos as polynomials for the browser, computing the same outputs", async () => {
    const original = await get("/models/siren.deriv.onnx");
    const points = new Float32Array([0.1, -0.3, 2.5, -3, -0.9, 0.7]);
    const run = async (bytes: Buffer) => {
      const session = await ort.InferenceSession.create(bytes);
      const out = await session.run({ coords: new ort.Tensor("float32", points, [3, 2]) });
      await session.release();
      return out;
    };
    const want = await run(original.body);
    for (const trig of ["polynomial", "webgpu"]) {
      const variant = await get(`/models/siren.deriv.onnx?trig=${trig}`);
      expect(variant.status).toBe(200);
      expect(Buffer.compare(variant.body, original.body)).not.toBe(0);
      const got = await run(variant.body);
      for (const name of ["image", "gradient", "laplacian"]) {
        const a = got[name].data as Float32Array;
        const b = want[name].data as Float32Array;
        const scale = Math.max(1, ...Array.from(b, Math.abs));
        for (let i = 0; i < b.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-5 * scale);
      }
      expect(
        (await get(`/models/siren.deriv.onnx?trig=${trig}`, { "If-None-Match": variant.headers.etag as string }))
          .status,
      ).toBe(304);
    }
    const bad = await get("/models/siren.onnx?trig=fast");
    expect(bad.status).toBe(400);
    expect(json(bad).error).toMatch(/trig must be one of polynomial, webgpu/);
  });
});

describe("GET /api/render", () => {
  it("returns the PNG that the renderer's renderPng makes for the same request", async () => {
    const region = "-3,-2,3,2";
    const response = await get(`/api/render?model=siren&output=laplacian&width=40&height=30&region=${region}`);
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("image/png");
    expect(response.headers["x-siren-normalisation"]).toMatch(/^laplacian: diverging/);
    expect(pngSize(response.body)).toEqual({ width: 40, height: 30 });
    const model = await loadRenderModel(join(dir, "siren.deriv.onnx"));
    const direct = await renderPng(model, {
      width: 40,
      height: 30,
      output: "laplacian",
      region: { x0: -3, y0: -2, x1: 3, y1: 2 },
    });
    await model.dispose();
    expect(Buffer.compare(direct.png, response.body)).toBe(0);
  });

  it("format=raw returns every output of one derivative run, as renderValues computes them", async () => {
    const response = await get(
      "/api/render?model=relu-rgb&output=gradient-x&width=7&height=5&region=-2,-1,2,1&format=raw",
    );
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("application/octet-stream");
    expect(response.headers["x-siren-sources"]).toBe("image,gradient,laplacian");
    expect(response.headers["x-siren-channels"]).toBe("3");
    const values = new Float32Array(response.body.buffer.slice(response.body.byteOffset), 0, response.body.length / 4);
    const n = 7 * 5 * 3;
    expect(values.length).toBe(n + 2 * n + n);
    const model = await loadRenderModel(join(dir, "relu-rgb.deriv.onnx"));
    const region = { x0: -2, y0: -1, x1: 2, y1: 1 };
    for (const [output, start, length] of [
      ["image", 0, n],
      ["gradient", n, 2 * n],
      ["laplacian", 3 * n, n],
    ] as const) {
      const direct = await renderValues(model, { width: 7, height: 5, region, output });
      expect(Array.from(values.subarray(start, start + length))).toEqual(Array.from(direct));
    }
    await model.dispose();
    const image = await get("/api/render?model=tanh&width=3&height=2&format=raw"); // image only: no derivative file needed
    expect(image.headers["x-siren-sources"]).toBe("image");
    expect(image.body.length).toBe(3 * 2 * 4);
  });

  it("defaults to the training size and the training domain", async () => {
    const response = await get("/api/render?model=relu-rgb");
    expect(response.status).toBe(200);
    expect(pngSize(response.body)).toEqual({ width: 32, height: 24 });
  });

  it("refuses renders beyond 16 megapixels and says so", async () => {
    const response = await get("/api/render?model=siren&width=4097&height=4096");
    expect(response.status).toBe(400);
    expect(json(response).error).toMatch(/16777216 pixels \(16 megapixels\)/);
  });

  it.each([
    ["/api/render", 400, /model is missing/],
    ["/api/render?model=nope", 404, /unknown model "nope"/],
    ["/api/render?model=siren&width=abc", 400, /width/],
    ["/api/render?model=siren&width=0&height=10", 400, /width/],
    ["/api/render?model=siren&width=-5&height=10", 400, /width/],
    ["/api/render?model=siren&width=1e3&height=10", 400, /width/],
    ["/api/render?model=siren&width=10&width=20", 400, /width is given more than once/],
    ["/api/render?model=siren&region=1,2,3", 400, /region/],
    ["/api/render?model=siren&region=0,0,0,1", 400, /region/],
    ["/api/render?model=siren&region=nan,0,1,1", 400, /region/],
    ["/api/render?model=siren&output=colour", 400, /output "colour"/],
    ["/api/render?model=tanh&output=laplacian", 400, /no derivative file/],
    ["/api/render?model=siren&colour=red", 400, /unknown parameter colour/],
    ["/api/render?model=siren&format=jpeg", 400, /format "jpeg": expected png or raw/],
    ["/api/render?model[a]=siren", 400, /model/],
    ["/models/%E0%A4%A.onnx", 400, /bad request/],
  ])("%s -> %i with a JSON error", async (path, status, message) => {
    const response = await get(path);
    expect(response.status).toBe(status);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    expect(json(response).error).toMatch(message);
  });

  it("answers 50 concurrent renders with 200 or 503 + Retry-After, and stays up", async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => get(`/api/render?model=siren&width=${48 + i}&height=32&output=gradient`)),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(5); // one running + four queued
    for (const r of responses.filter((r) => r.status === 503)) {
      expect(Number(r.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(json(r).error).toMatch(/queue is full/);
    }
    for (const [i, r] of responses.entries()) if (r.status === 200) expect(pngSize(r.body).width).toBe(48 + i);
    expect((await get("/api/render?model=siren&width=8&height=8")).status).toBe(200);
    expect(server.queue.size).toEqual({ running: 0, queued: 0 });
  });
});

describe("the models directory", () => {
  it("picks up new models on POST /api/models/reload (and by watching)", async () => {
    await makeModels(dir, [{ name: "sigmoid", kind: "sigmoid" }]);
    const reloaded = await rawRequest(server.port, "/api/models/reload", { method: "POST" });
    expect(reloaded.status).toBe(200);
    const names = (json(reloaded) as unknown as ModelListing).models.map((m) => m.name);
    expect(names).toContain("sigmoid");
    await rm(join(dir, "sigmoid.onnx"));
    await rm(join(dir, "sigmoid.deriv.onnx"));
    // The watcher notices the removal without a reload request.
    let listed = names;
    for (let i = 0; i < 50 && listed.includes("sigmoid"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      listed = (json(await get("/api/models")) as unknown as ModelListing).models.map((m) => m.name);
    }
    expect(listed).not.toContain("sigmoid");
    expect((await get("/models/sigmoid.onnx")).status).toBe(404);
  });
});
