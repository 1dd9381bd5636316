import { type FSWatcher, watch } from "node:fs";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import {
  DERIVATIVE_MODEL_SUFFIX,
  IMAGE_MODEL_SUFFIX,
  isDerivativeModelFile,
  type ModelMetadata,
  modelBaseName,
  modelLabel,
} from "@siren-onnx/core";
import { readModelMetadata } from "@siren-onnx/onnx-graph";
import type { ModelEntry, ModelListing, SkippedFile } from "../shared/model-entry.ts";

interface ServedFile {
  path: string;
  /** Changes whenever the file does (size and mtime): keys the caches of metadata and sessions. */
  version: string;
}

const MODEL_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.onnx$/;

function isInside(root: string, path: string): boolean {
  return path.startsWith(root + sep);
}

/**
 * The models directory, re-scanned when it changes. Only regular files directly inside it
 * (after resolving symlinks) with plain names are ever served: requests are matched against
 * this whitelist, so no request path is ever joined onto the file system.
 */
export class ModelRegistry {
  private listing: Promise<ModelListing> | undefined;
  private served = new Map<string, ServedFile>();
  private readonly metadataCache = new Map<string, ModelMetadata | Error>();
  private watcher: FSWatcher | undefined;
  private readonly listeners: Array<() => void> = [];

  constructor(
    readonly dir: string,
    options: { watch?: boolean } = {},
  ) {
    if (options.watch !== false) this.startWatching();
  }

  /** The current listing (re-scanned after a change in the directory or reload()). */
  list(): Promise<ModelListing> {
    this.listing ??= this.scan();
    return this.listing;
  }

  reload(): Promise<ModelListing> {
    this.listing = undefined;
    if (!this.watcher) this.startWatching();
    return this.list();
  }

  /** Called after every re-scan (e.g. to drop cached sessions of changed files). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  async find(name: string): Promise<ModelEntry | undefined> {
    return (await this.list()).models.find((m) => m.name === name);
  }

  /**
   * The absolute path and version of a served model file, or undefined. Checked again at request
   * time, so a file swapped for a symlink pointing outside after the scan is still refused.
   */
  async resolveFile(file: string): Promise<ServedFile | undefined> {
    await this.list();
    const known = this.served.get(file);
    if (!known) return undefined;
    try {
      const root = await realpath(this.dir);
      const real = await realpath(known.path);
      const info = await stat(real);
      if (!isInside(root, real) || !info.isFile()) return undefined;
      return { path: real, version: `${info.size}-${info.mtimeMs}` };
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private startWatching(): void {
    try {
      this.watcher = watch(this.dir, { persistent: false }, () => {
        this.listing = undefined;
      });
      this.watcher.on("error", () => {
        // The directory went away: forget the watcher; the next reload() or listing tries again.
        this.close();
        this.listing = undefined;
      });
    } catch {
      this.watcher = undefined; // missing directory: list() reports it
    }
  }

  private async scan(): Promise<ModelListing> {
    const result = await this.scanDirectory();
    for (const listener of this.listeners) listener();
    return result;
  }

  private async scanDirectory(): Promise<ModelListing> {
    const served = new Map<string, ServedFile>();
    const skipped: SkippedFile[] = [];
    let root: string;
    let names: string[];
    try {
      root = await realpath(this.dir);
      names = (await readdir(root)).sort();
    } catch (err) {
      this.served = served;
      const code = (err as NodeJS.ErrnoException).code;
      const problem =
        code === "ENOENT"
          ? `models directory ${this.dir} does not exist`
          : `models directory ${this.dir} cannot be read (${code})`;
      return { models: [], skipped, problem };
    }
    const metadata = new Map<string, ModelMetadata>();
    for (const file of names) {
      if (!file.endsWith(IMAGE_MODEL_SUFFIX)) continue;
      if (!MODEL_FILE.test(file)) {
        skipped.push({ file, reason: "file name has characters other than letters, digits, '.', '_' and '-'" });
        continue;
      }
      try {
        const real = await realpath(join(root, file));
        const info = await stat(real);
        if (!isInside(root, real)) throw new Error("symlink to a file outside the models directory");
        if (!info.isFile()) throw new Error("not a regular file");
        const version = `${info.size}-${info.mtimeMs}`;
        metadata.set(file, await this.readMetadata(real, version));
        // The name's path, not its target: resolveFile follows it again at request time.
        served.set(file, { path: join(root, file), version });
      } catch (err) {
        skipped.push({ file, reason: (err as Error).message });
      }
    }
    this.served = served;
    return { models: groupModels(metadata, skipped), skipped };
  }

  private async readMetadata(path: string, version: string): Promise<ModelMetadata> {
    const key = `${path}\0${version}`;
    let cached = this.metadataCache.get(key);
    if (!cached) {
      try {
        cached = readModelMetadata(await readFile(path));
      } catch (err) {
        cached = err as Error;
      }
      this.metadataCache.set(key, cached);
    }
    if (cached instanceof Error) throw cached;
    return cached;
  }
}

/** Pairs `<name>.onnx` with `<name>.deriv.onnx`; a `.deriv.onnx` without derivative outputs is skipped. */
function groupModels(metadata: Map<string, ModelMetadata>, skipped: SkippedFile[]): ModelEntry[] {
  const entries = new Map<string, ModelEntry>();
  for (const [file, meta] of metadata) {
    const isDerivativeFile = isDerivativeModelFile(file);
    if (isDerivativeFile && !meta.hasDerivatives) {
      skipped.push({ file, reason: `named ${DERIVATIVE_MODEL_SUFFIX} but has no gradient and laplacian outputs` });
      continue;
    }
    const name = modelBaseName(file);
    const entry = entries.get(name) ?? { name, label: modelLabel(meta.spec.activation), files: {}, metadata: meta };
    if (isDerivativeFile) entry.files.derivatives = file;
    else {
      entry.files.image = file;
      entry.metadata = meta;
      // An image file may carry derivatives too; then it serves every output.
      if (meta.hasDerivatives) entry.files.derivatives ??= file;
    }
    entries.set(name, entry);
  }
  return [...entries.values()].sort((a, b) => a.name.localeCompare(b.name));
}
