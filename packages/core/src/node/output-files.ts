import { mkdir, stat } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { UserError } from "../errors.ts";
import { writeFileAtomic } from "./files.ts";

/** true for a directory, false for another existing entry, undefined when nothing is there. */
export async function isDirectory(path: string): Promise<boolean | undefined> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return undefined;
  }
}

/** Refuses to replace an existing file unless forced (and never replaces a directory). */
export async function assertWritable(path: string, force: boolean): Promise<void> {
  if (/[\\/]$/.test(path) || basename(path) === "") throw new UserError(`${path} names a folder; give a file name`);
  const dir = await isDirectory(path);
  if (dir) throw new UserError(`${path} is a directory`);
  if (dir === false && !force) throw new UserError(`${path} already exists (use --force to overwrite)`);
}

/** Creates the parent folder and writes atomically; file-system failures become one-line errors. */
export async function writeOutputFile(path: string, data: string | Uint8Array): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, data);
  } catch (err) {
    throw new UserError(`cannot write ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
