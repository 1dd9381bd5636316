import { readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, relative, sep } from "node:path";
import type { Response } from "express";

/**
 * Whitelists of the files the server may send: the built viewer and onnxruntime-web's wasm
 * runtime. Requests are looked up in these maps; no request path is joined onto the file system.
 */

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".onnx": "application/octet-stream",
};

export function contentType(file: string): string {
  return CONTENT_TYPES[extname(file)] ?? "application/octet-stream";
}

/** Sends a whitelisted file with its content type; express adds ETag and Last-Modified. */
export function sendWhitelisted(res: Response, path: string, cacheControl: string): Promise<void> {
  return new Promise((resolve, reject) => {
    res.sendFile(
      path,
      { headers: { "Content-Type": contentType(path), "Cache-Control": cacheControl }, dotfiles: "allow" },
      (err) => (err && !res.headersSent ? reject(err) : resolve()),
    );
  });
}

/** URL path ("/assets/x.js") -> absolute path of every file under dir (dotfiles excluded). */
export function listFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.set(`/${relative(dir, full).split(sep).join("/")}`, full);
    }
  };
  try {
    walk(dir);
  } catch {
    // no build yet: an empty listing
  }
  return files;
}

/** The built viewer, re-listed when a new build lands (its stamp file changes). */
export class ClientFiles {
  private files = new Map<string, string>();
  private stamp = "";

  constructor(readonly dir: string) {}

  lookup(urlPath: string): string | undefined {
    let current = "";
    try {
      current = String(statSync(join(this.dir, ".build-hash")).mtimeMs);
    } catch {
      // not built
    }
    if (current !== this.stamp) {
      this.files = listFiles(this.dir);
      this.stamp = current;
    }
    return this.files.get(urlPath === "/" ? "/index.html" : urlPath);
  }
}

/** onnxruntime-web's wasm runtime files (ort-wasm-simd-threaded*.mjs/.wasm), by file name. */
export function onnxRuntimeWebFiles(): Map<string, string> {
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm"));
  const files = new Map<string, string>();
  for (const name of readdirSync(dist)) {
    if (/^ort-wasm-simd-threaded(\.[a-z]+)?\.(mjs|wasm)$/.test(name)) files.set(name, join(dist, name));
  }
  return files;
}
