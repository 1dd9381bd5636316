/**
 * The one renderer: runs an exported model over a pixel grid of any region, in tiles so memory
 * stays bounded (a signal stops it between tiles), and turns the values into pictures. Used by
 * `siren render`, the viewer server and the study.
 */
import {
  colorize,
  extractRenderValues,
  ONNX_INPUT,
  parsePositiveInt,
  regionGridRows,
  renderSource,
  valuesPerPoint,
} from "@siren-onnx/core";
import * as ort from "onnxruntime-node";
import sharp from "sharp";
import type { RenderModel, RenderSession } from "./render-model.ts";
import { type RenderRequest, validateRenderRequest } from "./render-request.ts";

/**
 * Points per onnxruntime call: one 1024² batch needs 8.4 GB. 2,048-point tiles keep a layer's
 * [points, 256] activations (2 MB) in L2. On a quiet machine they are as fast as 4,096 or 16,384
 * (512² image: 0.83 / 0.76 / 0.83 s, `pnpm bench --only render`); with the cores shared they
 * were 2x faster (3.1 s against 6.6 s), and a server stops a stale render sooner between them.
 */
export const DEFAULT_TILE_POINTS = 2048;

export interface RenderOptions extends RenderRequest {
  tilePoints?: number;
  onProgress?: (donePoints: number, totalPoints: number) => void;
  /** Stops between tiles (e.g. when a server's client goes away). */
  signal?: AbortSignal;
}

/**
 * Raw values of a render, row-major: [H*W, C] (image, gradient-x/-y/-magnitude, laplacian) or
 * [H*W, C, 2] for the gradient. Points are evaluated in tiles of at most tilePoints.
 */
export async function renderValues(model: RenderModel, options: RenderOptions): Promise<Float32Array> {
  const { output } = validateRenderRequest(options);
  const source = renderSource(output);
  const { sources, channels } = await renderSources(model, { ...options, sources: [source] });
  const values = sources[source]!;
  if (output === "image" || output === "laplacian" || output === "gradient") return values;
  const points = values.length / (2 * channels);
  const out = new Float32Array(points * valuesPerPoint(output, channels));
  extractRenderValues(output, values, points, channels, out, 0);
  return out;
}

export interface PngRender {
  png: Buffer;
  normalisation: string;
  width: number;
  height: number;
}

/** A PNG of a render output (grey for single-channel images, RGB otherwise). */
export async function renderPng(model: RenderModel, options: RenderOptions): Promise<PngRender> {
  const values = await renderValues(model, options);
  const { rgba, normalisation } = colorize(values, options.output, model.metadata.channels);
  const { width, height } = options;
  let image = sharp(rgba, { raw: { width, height, channels: 4 } }).removeAlpha();
  if (options.output === "image" && model.metadata.channels === 1) {
    const grey = new Uint8Array(width * height);
    for (let i = 0; i < grey.length; i++) grey[i] = rgba[4 * i];
    image = sharp(grey, { raw: { width, height, channels: 1 } }).toColourspace("b-w");
  }
  return { png: await image.png().toBuffer(), normalisation, width, height };
}

/** The ONNX outputs a raw render can return, in the order they are concatenated. */
export const RAW_SOURCES = ["image", "gradient", "laplacian"] as const;
export type RawSource = (typeof RAW_SOURCES)[number];

export interface RawRender {
  /** The requested outputs of one model run per tile: image [H*W, C], gradient [H*W, C, 2], laplacian [H*W, C]. */
  sources: Partial<Record<RawSource, Float32Array>>;
  channels: number;
}

/**
 * Raw ONNX outputs over a pixel grid, several from one run: the viewer keeps them and draws
 * every channel of a view without running the model again. Derivative outputs use the
 * derivative file; the image alone uses the cheaper image-only file.
 */
export async function renderSources(
  model: RenderModel,
  options: Omit<RenderOptions, "output"> & { sources: readonly RawSource[] },
): Promise<RawRender> {
  const { width, height, region } = validateRenderRequest({ ...options, output: "image" });
  const tile = parsePositiveInt(String(options.tilePoints ?? DEFAULT_TILE_POINTS), "tilePoints");
  const channels = model.metadata.channels;
  const derivatives = options.sources.some((s) => s !== "image");
  const sessions = await model.sessions(derivatives ? "laplacian" : "image");
  const total = width * height;
  const sources: Partial<Record<RawSource, Float32Array>> = {};
  for (const s of options.sources) sources[s] = new Float32Array(total * channels * (s === "gradient" ? 2 : 1));
  let next = 0;
  let done = 0;
  let failed = false;
  // Each session takes the next tile until none is left (one session: the tiles in order).
  const renderTiles = async (session: RenderSession) => {
    while (next < total && !failed) {
      const start = next;
      const n = Math.min(tile, total - start);
      next += n;
      const firstRow = Math.floor(start / width);
      const rows = regionGridRows(width, height, region, firstRow, Math.ceil((start + n) / width));
      const skip = start - firstRow * width;
      const coords = new ort.Tensor("float32", rows.subarray(2 * skip, 2 * (skip + n)), [n, 2]);
      const result = await session.run({ [ONNX_INPUT]: coords }, [...options.sources]);
      for (const s of options.sources) {
        const perPoint = channels * (s === "gradient" ? 2 : 1);
        sources[s]!.set(result[s].data as Float32Array, start * perPoint);
      }
      done += n;
      options.onProgress?.(done, total);
      // onnxruntime-node runs synchronously on this thread: let pending I/O (a server's other
      // requests) through between tiles.
      await new Promise((resolve) => setImmediate(resolve));
      options.signal?.throwIfAborted();
    }
  };
  await Promise.all(
    sessions.map((session) =>
      renderTiles(session).catch((err: unknown) => {
        failed = true; // the other sessions stop after their current tile
        throw err;
      }),
    ),
  );
  return { sources, channels };
}
