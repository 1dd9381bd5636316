/**
 * The one renderer: runs an exported model over a pixel grid of any region, in tiles so memory
 * stays bounded, and turns the values into pictures. Used by `siren render` and the viewer server.
 */
import { readFile, stat } from "node:fs/promises";
import {
  colorize,
  DERIVATIVE_MODEL_SUFFIX,
  extractRenderValues,
  formatRegion,
  type ModelFiles,
  type ModelMetadata,
  modelBaseName,
  modelFileFor,
  modelFilePaths,
  ONNX_INPUT,
  parsePositiveInt,
  parseRegion,
  parseRenderOutput,
  type Region,
  type RenderOutput,
  regionGridRows,
  renderSource,
  TRAINING_DOMAIN,
  UserError,
  valuesPerPoint,
} from "@siren-onnx/core";
import { readModelMetadata } from "@siren-onnx/onnx-graph";
import { CPU_DEVICE, createSession, type Device, firstLine } from "@siren-onnx/sessions";
import * as ort from "onnxruntime-node";
import sharp from "sharp";

/** Largest width or height of a render. */
export const MAX_RENDER_SIDE = 16384;
/** Largest render of the CLI: 64 megapixels (8192 x 8192); the server passes a lower cap. */
export const MAX_RENDER_PIXELS = 8192 * 8192;
/**
 * Points per onnxruntime call: one 1024² batch needs 8.4 GB. 2,048-point tiles keep a layer's
 * [points, 256] activations (2 MB) in L2. On a quiet machine they are as fast as 4,096 or 16,384
 * (512² image: 0.83 / 0.76 / 0.83 s, `pnpm bench --only render`); with the cores shared they
 * were 2x faster (3.1 s against 6.6 s), and a server stops a stale render sooner between them.
 */
export const DEFAULT_TILE_POINTS = 2048;
/** Default size when the model does not record its training image. */
export const DEFAULT_RENDER_SIDE = 512;

export interface RenderRequest {
  width: number;
  height: number;
  region: Region;
  output: RenderOutput;
}

export interface RenderOptions extends RenderRequest {
  tilePoints?: number;
  onProgress?: (donePoints: number, totalPoints: number) => void;
  /** Stops between tiles (e.g. when a server's client goes away). */
  signal?: AbortSignal;
}

/** Untrusted render parameters (CLI options or query strings). */
export interface RenderRequestInput {
  width: number | string;
  height: number | string;
  region?: Region | string;
  output?: string;
}

/** Checks a render request against the size limits; every problem is a one-line UserError. */
export function validateRenderRequest(
  input: RenderRequestInput,
  limits: { maxSide?: number; maxPixels?: number } = {},
): RenderRequest {
  const maxSide = limits.maxSide ?? MAX_RENDER_SIDE;
  const maxPixels = limits.maxPixels ?? MAX_RENDER_PIXELS;
  const width = parsePositiveInt(String(input.width), "width", maxSide);
  const height = parsePositiveInt(String(input.height), "height", maxSide);
  if (width * height > maxPixels) {
    throw new UserError(
      `${width} x ${height} is ${width * height} pixels, beyond the limit of ${maxPixels} pixels (${(maxPixels / 2 ** 20).toFixed(0)} megapixels)`,
    );
  }
  const region =
    input.region === undefined
      ? TRAINING_DOMAIN
      : parseRegion(typeof input.region === "string" ? input.region : formatRegion(input.region));
  return { width, height, region, output: parseRenderOutput(input.output ?? "image") };
}

/** The training image size when the model records it, else 512²; one given side keeps the training aspect. */
export function defaultRenderSize(
  metadata: ModelMetadata,
  width?: string | number,
  height?: string | number,
): { width: number | string; height: number | string } {
  const w0 = metadata.source.width > 0 ? metadata.source.width : DEFAULT_RENDER_SIDE;
  const h0 = metadata.source.height > 0 ? metadata.source.height : DEFAULT_RENDER_SIDE;
  const scaled = (given: string | number, from: number, to: number) => {
    const n = Number(given);
    return Number.isFinite(n) && n > 0 ? Math.max(1, Math.round((n * to) / from)) : given;
  };
  return {
    width: width ?? (height !== undefined ? scaled(height, h0, w0) : w0),
    height: height ?? (width !== undefined ? scaled(width, w0, h0) : h0),
  };
}

/** Where a model renders (@siren-onnx/sessions holds the session options). */
export interface RenderDevice {
  /** Default the CPU; resolve --device with resolveDevice. */
  device?: Device;
  /** CPU threads; default all cores. */
  threads?: number;
}

interface LoadedFile {
  path: string;
  bytes: Uint8Array;
  metadata: ModelMetadata;
}

async function readModelFile(path: string): Promise<LoadedFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === "ENOENT" ? `model not found: ${path}` : `cannot read model ${path} (${code})`);
  }
  try {
    return { path, bytes, metadata: readModelMetadata(bytes) };
  } catch (err) {
    throw new UserError(`${path}: ${(err as Error).message}`);
  }
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Same weights and training: the sibling file was exported from the same checkpoint. */
function sameModel(a: ModelMetadata, b: ModelMetadata): boolean {
  return JSON.stringify([a.spec, a.training]) === JSON.stringify([b.spec, b.training]);
}

/**
 * An exported model ready to render. Given `<name>.onnx` (image only), derivative outputs come
 * from the sibling `<name>.deriv.onnx`; given `<name>.deriv.onnx`, image renders use the cheaper
 * `<name>.onnx` when it is there. Sessions are created on first use.
 */
export class RenderModel {
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();

  private constructor(
    private readonly main: LoadedFile,
    /** Which file serves which output (core's modelFileFor picks; there is always an image file). */
    private readonly files: ModelFiles & { image: string },
    private readonly where: RenderDevice,
  ) {}

  static async load(path: string, where: RenderDevice = {}): Promise<RenderModel> {
    const main = await readModelFile(path);
    const siblings = modelFilePaths(modelBaseName(path));
    const files = main.metadata.hasDerivatives
      ? { image: path !== siblings.image && (await isFile(siblings.image)) ? siblings.image : path, derivatives: path }
      : {
          image: path,
          derivatives:
            path !== siblings.derivatives && (await isFile(siblings.derivatives)) ? siblings.derivatives : undefined,
        };
    const model = new RenderModel(main, files, where);
    await model.sessionFor(path); // fail early on a file onnxruntime rejects
    return model;
  }

  get path(): string {
    return this.main.path;
  }

  get metadata(): ModelMetadata {
    return this.main.metadata;
  }

  /** The device its sessions run on. */
  get device(): Device {
    return this.where.device ?? CPU_DEVICE;
  }

  get hasDerivatives(): boolean {
    return this.files.derivatives !== undefined;
  }

  /** The session that computes a render output (loading the sibling file when needed). */
  async session(output: RenderOutput): Promise<ort.InferenceSession> {
    const file = modelFileFor(this.files, output);
    if (!file) {
      throw new UserError(
        `${this.path} has no derivative outputs and there is no ${this.path.replace(/\.onnx$/, DERIVATIVE_MODEL_SUFFIX)} beside it (siren export writes both)`,
      );
    }
    return this.sessionFor(file);
  }

  private sessionFor(path: string): Promise<ort.InferenceSession> {
    let session = this.sessions.get(path);
    if (!session) {
      session = this.createSession(path);
      this.sessions.set(path, session);
    }
    return session;
  }

  private async createSession(path: string): Promise<ort.InferenceSession> {
    const file = path === this.path ? this.main : await readModelFile(path);
    if (!sameModel(file.metadata, this.metadata)) {
      throw new UserError(`${path} does not belong to ${this.path} (different spec or training summary)`);
    }
    try {
      return await createSession(file.bytes, this.device, { threads: this.where.threads });
    } catch (err) {
      throw new UserError(`${path}: onnxruntime cannot load the model: ${firstLine(err)}`);
    }
  }

  async dispose(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of sessions) await (await s.catch(() => undefined))?.release();
  }
}

export function loadRenderModel(path: string, where: RenderDevice = {}): Promise<RenderModel> {
  return RenderModel.load(path, where);
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
  const session = await model.session(derivatives ? "laplacian" : "image");
  const total = width * height;
  const sources: Partial<Record<RawSource, Float32Array>> = {};
  for (const s of options.sources) sources[s] = new Float32Array(total * channels * (s === "gradient" ? 2 : 1));
  for (let start = 0; start < total; start += tile) {
    const n = Math.min(tile, total - start);
    const firstRow = Math.floor(start / width);
    const rows = regionGridRows(width, height, region, firstRow, Math.ceil((start + n) / width));
    const skip = start - firstRow * width;
    const coords = new ort.Tensor("float32", rows.subarray(2 * skip, 2 * (skip + n)), [n, 2]);
    const result = await session.run({ [ONNX_INPUT]: coords }, [...options.sources]);
    for (const s of options.sources) {
      const perPoint = channels * (s === "gradient" ? 2 : 1);
      sources[s]!.set(result[s].data as Float32Array, start * perPoint);
    }
    options.onProgress?.(start + n, total);
    // onnxruntime-node runs synchronously: let pending I/O (a server's other requests) through between tiles.
    await new Promise((resolve) => setImmediate(resolve));
    options.signal?.throwIfAborted();
  }
  return { sources, channels };
}
