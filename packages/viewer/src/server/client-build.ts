import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The viewer's sources (Vite root) and where the built page goes (gitignored). */
export const CLIENT_ROOT = fileURLToPath(new URL("../client/", import.meta.url));
export const CLIENT_DIST = fileURLToPath(new URL("../../dist/", import.meta.url));
const STAMP = ".build-hash";

const require = createRequire(import.meta.url);

/** The packages the page bundles (the Train panel's worker runs the trainer's and exporter's code). */
const BUNDLED_PACKAGES = ["@siren-onnx/core", "@siren-onnx/onnx-graph", "@siren-onnx/trainer", "@siren-onnx/exporter"];
/** The Train panel's sample image. */
const SAMPLE_IMAGE = fileURLToPath(new URL("../../../../data/camera.png", import.meta.url));

/** Hash of everything the bundle is made of: the client, what it imports (shared/, the packages) and tool versions. */
export function clientSourceHash(): string {
  const hash = createHash("sha256");
  const add = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) add(full);
      else if (entry.isFile()) hash.update(full).update(readFileSync(full));
    }
  };
  add(CLIENT_ROOT);
  add(fileURLToPath(new URL("../shared/", import.meta.url)));
  for (const name of BUNDLED_PACKAGES) add(dirname(require.resolve(name)));
  hash.update(readFileSync(SAMPLE_IMAGE));
  hash.update(readFileSync(fileURLToPath(new URL("../../package.json", import.meta.url))));
  // onnxruntime-web is pinned in package.json above; vite is a range, so add its exact version.
  hash.update(`vite@${(require("vite/package.json") as { version: string }).version}`);
  return hash.digest("hex");
}

async function readStamp(dist: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dist, STAMP), "utf8")).trim();
  } catch {
    return undefined;
  }
}

/**
 * Builds the viewer with Vite when the build is missing or older than its sources. Builds go to
 * a temporary folder that then replaces the old one, so a half-finished build is never served
 * and two processes building at once both end with a complete build.
 */
export async function ensureClientBuilt(
  options: { dist?: string; force?: boolean; log?: (line: string) => void } = {},
): Promise<{ built: boolean; dist: string }> {
  const dist = options.dist ?? CLIENT_DIST;
  const hash = clientSourceHash();
  if (!options.force && (await readStamp(dist)) === hash) return { built: false, dist };
  options.log?.("building the viewer page (Vite)...");
  const { build, defaultClientConditions } = await import("vite");
  const tmp = `${dist.replace(/[\\/]$/, "")}.tmp-${randomBytes(4).toString("hex")}`;
  try {
    await build({
      configFile: false,
      root: CLIENT_ROOT,
      base: "./",
      logLevel: "warn",
      // The wasm runtime is not bundled: the worker loads it from /ort/ (see render-worker.ts).
      resolve: { conditions: ["onnxruntime-web-use-extern-wasm", ...defaultClientConditions] },
      worker: { format: "es" },
      build: { outDir: tmp, emptyOutDir: true, target: "es2022", sourcemap: true, reportCompressedSize: false },
    });
    await writeFile(join(tmp, STAMP), `${hash}\n`);
    const old = `${tmp}.old`;
    await rename(dist, old).catch(() => undefined);
    await rename(tmp, dist).catch(async (err: NodeJS.ErrnoException) => {
      // Another process put its (identical) build in place first.
      if (err.code !== "ENOTEMPTY" && err.code !== "EEXIST") throw err;
    });
    await rm(old, { recursive: true, force: true });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { built: true, dist };
}
