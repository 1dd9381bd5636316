import { stat } from "node:fs/promises";
import { UserError } from "@siren-onnx/core";

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
  const dir = await isDirectory(path);
  if (dir) throw new UserError(`${path} is a directory`);
  if (dir === false && !force) throw new UserError(`${path} already exists (use --force to overwrite)`);
}
