import { randomBytes } from "node:crypto";
import { readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint } from "../checkpoint.ts";
import { UserError } from "../errors.ts";

/** Writes a file atomically: a temporary file in the same folder, then rename. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function saveCheckpoint(path: string, ckpt: Checkpoint): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(ckpt));
}

export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? `checkpoint not found: ${path}` : `cannot read checkpoint ${path}: ${code}`);
  }
  try {
    return decodeCheckpoint(bytes);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}

/**
 * Entries of an output folder the user named (`option` says which flag), or undefined when it
 * does not exist yet; anything else (a file in the way, no permission) is a one-line UserError.
 */
export async function readOutputDir(dir: string, option = "--out"): Promise<string[] | undefined> {
  try {
    return await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ENOTDIR") throw new UserError(`${option}: ${dir} exists and is not a directory`);
    throw new UserError(`${option}: cannot read ${dir} (${code})`);
  }
}
