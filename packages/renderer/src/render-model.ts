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
import {
  CPU_DEVICE,
  createSession,
  type Device,
  firstLine,
  sharedSessionWorkers,
  workerCount,
} from "@siren-onnx/sessions";
import type * as ort from "onnxruntime-node";

/** What the renderer runs a tile with: an onnxruntime session on this thread or in a worker. */
export interface RenderSession {
  run(feeds: Record<string, ort.Tensor>, fetches: string[]): Promise<Record<string, ort.Tensor>>;
  release(): Promise<void>;
  /** False for a worker session whose worker has stopped (absent: a session on this thread). */
  readonly alive?: boolean;
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
 * `<name>.onnx` when it is there. Sessions are created on first use: on the CPU one per thread,
 * each single-threaded in one of the process's shared workers, so tiles render side by side
 * (onnxruntime's serial Sin kept one multi-threaded session to one core for a third of the time).
 */
export class RenderModel {
  private readonly loaded = new Map<string, Promise<RenderSession[]>>();

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

  /**
   * The sessions that compute a render output (loading the sibling file when needed): tiles can
   * run on all of them at once.
   */
  async sessions(output: RenderOutput): Promise<RenderSession[]> {
    const file = modelFileFor(this.files, output);
    if (!file) {
      throw new UserError(
        `${this.path} has no derivative outputs and there is no ${this.path.replace(/\.onnx$/, DERIVATIVE_MODEL_SUFFIX)} beside it (siren export writes both)`,
      );
    }
    return this.sessionFor(file);
  }

  private async sessionFor(path: string): Promise<RenderSession[]> {
    const loaded = this.loaded.get(path);
    // Sessions of a worker that has since crashed are made again (on the shared pool's replacement).
    if (loaded && (await loaded.catch(() => [])).every((s) => s.alive !== false)) return loaded;
    const sessions = this.createSessions(path);
    this.loaded.set(path, sessions);
    return sessions;
  }

  private async createSessions(path: string): Promise<RenderSession[]> {
    const file = path === this.path ? this.main : await readModelFile(path);
    if (!sameModel(file.metadata, this.metadata)) {
      throw new UserError(`${path} does not belong to ${this.path} (different spec or training summary)`);
    }
    const threads = workerCount(this.where.threads);
    try {
      if (this.device.kind !== "cpu" || threads < 2)
        return [await createSession(file.bytes, this.device, { threads: this.where.threads })];
      const workers = sharedSessionWorkers().slice(0, threads);
      const created = await Promise.allSettled(workers.map((w) => w.createSession(file.bytes)));
      const failed = created.find((c) => c.status === "rejected");
      if (failed) {
        for (const c of created) if (c.status === "fulfilled") await c.value.release();
        throw failed.reason;
      }
      return created.map((c) => (c as PromiseFulfilledResult<RenderSession>).value);
    } catch (err) {
      throw new UserError(`${path}: onnxruntime cannot load the model: ${firstLine(err)}`);
    }
  }

  async dispose(): Promise<void> {
    const sessions = [...this.loaded.values()];
    this.loaded.clear();
    for (const s of sessions) for (const session of (await s.catch(() => undefined)) ?? []) await session.release();
  }
}

export function loadRenderModel(path: string, where: RenderDevice = {}): Promise<RenderModel> {
  return RenderModel.load(path, where);
}
