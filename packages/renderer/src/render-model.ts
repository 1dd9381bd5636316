/**
 * An exported model loaded for rendering: its file and sibling files (core's modelFileFor picks
 * which serves an output), checked to belong together, with onnxruntime sessions created on
 * first use through @siren-onnx/sessions.
 */
import { readFile, stat } from "node:fs/promises";
import {
  DERIVATIVE_MODEL_SUFFIX,
  type ModelFiles,
  type ModelMetadata,
  modelBaseName,
  modelFileFor,
  modelFilePaths,
  type RenderOutput,
  UserError,
} from "@siren-onnx/core";
import { readModelMetadata } from "@siren-onnx/onnx-graph";
import { CPU_DEVICE, createSession, type Device, firstLine } from "@siren-onnx/sessions";
import type * as ort from "onnxruntime-node";

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
