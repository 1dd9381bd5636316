import { loadRenderModel, type RenderDevice, type RenderModel } from "@siren-onnx/renderer";

interface Entry {
  path: string;
  model: Promise<RenderModel>;
  users: number;
  stale: boolean;
}

/**
 * Loaded models (onnxruntime sessions) by file version, least recently used first. A model
 * whose file changed, or that falls out of the cache, is disposed once no render uses it.
 */
export class RenderModelCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly capacity = 8,
    /** Where the models render (default the CPU). */
    private readonly where: RenderDevice = {},
  ) {}

  async use<T>(path: string, version: string, job: (model: RenderModel) => Promise<T>): Promise<T> {
    const key = `${path}\0${version}`;
    let entry = this.entries.get(key);
    if (entry)
      this.entries.delete(key); // re-inserted below: most recently used last
    else {
      const created: Entry = { path, model: loadRenderModel(path, this.where), users: 0, stale: false };
      // A file that fails to load is tried again next time (it may be fixed by then).
      created.model.catch(() => this.entries.get(key) === created && this.entries.delete(key));
      entry = created;
      for (const [k, other] of this.entries) if (other.path === path) this.drop(k, other);
    }
    this.entries.set(key, entry);
    this.evict();
    entry.users++;
    try {
      return await job(await entry.model);
    } finally {
      entry.users--;
      if (entry.stale && entry.users === 0) void this.dispose(entry);
    }
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.capacity) break;
      if (entry.users === 0) this.drop(key, entry);
    }
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    entry.stale = true;
    if (entry.users === 0) void this.dispose(entry);
  }

  private async dispose(entry: Entry): Promise<void> {
    await (await entry.model.catch(() => undefined))?.dispose();
  }

  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => this.dispose(e)));
  }
}
