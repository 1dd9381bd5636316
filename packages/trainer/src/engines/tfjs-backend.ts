import { createRequire } from "node:module";
import { dirname } from "node:path";
import { UserError } from "@siren-onnx/core";
import * as tf from "@tensorflow/tfjs-core";

/** tfjs backends in order of preference: native libtensorflow, then WebAssembly, then plain JavaScript. */
export const TFJS_BACKENDS = ["tensorflow", "wasm", "cpu"] as const;
export type TfjsBackendName = (typeof TFJS_BACKENDS)[number];

/** Environment variable that forces one backend instead of the best available one. */
export const TFJS_BACKEND_ENV = "SIREN_TFJS_BACKEND";

export interface TfjsBackend {
  name: TfjsBackendName;
  device: "cpu" | "cuda";
  /** e.g. "tfjs (wasm)" or "tfjs (tensorflow, cuda)". */
  description: string;
}

/** The native packages are optional: they download libtensorflow at install time, so they are never dependencies. */
const NATIVE_PACKAGES = { cpu: "@tensorflow/tfjs-node", cuda: "@tensorflow/tfjs-node-gpu" } as const;

const GPU_HINT =
  "on a machine with an NVIDIA GPU and CUDA, run `pnpm --filter @siren-onnx/trainer add @tensorflow/tfjs-node-gpu` (see README, Engines)";

/** The backend is process-wide in tfjs: resolve each (device, forced backend) choice once. */
const chosen = new Map<string, Promise<TfjsBackend>>();

/**
 * Selects and initialises the best tfjs backend for a device: tfjs-node-gpu for cuda;
 * for cpu tfjs-node when installed, else wasm, else cpu. SIREN_TFJS_BACKEND=cpu|wasm|tensorflow
 * forces one (and fails when it cannot be had).
 */
export async function initTfjsBackend(
  device = "cpu",
  options: { threads?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<TfjsBackend> {
  const env = options.env ?? process.env;
  if (device !== "cpu" && device !== "cuda") {
    throw new UserError(
      device === "webgpu" || device === "auto"
        ? `--device ${device} is for --engine onnxruntime; the tfjs engine runs on cpu or cuda`
        : `--device: expected cpu or cuda, got "${device}"`,
    );
  }
  const forced = parseForcedBackend(env[TFJS_BACKEND_ENV]);
  if (device === "cuda" && forced && forced !== "tensorflow") {
    throw new UserError(
      `--device cuda cannot run on the tfjs ${forced} backend (${TFJS_BACKEND_ENV}=${forced}); unset it to use @tensorflow/tfjs-node-gpu`,
    );
  }
  const key = `${device}/${forced ?? "auto"}`;
  let backend = chosen.get(key);
  if (!backend) {
    backend = select(device, forced, options.threads);
    chosen.set(key, backend);
    // A failed choice (e.g. a missing package) may succeed after the user fixes it.
    backend.catch(() => chosen.delete(key));
  }
  const b = await backend;
  // Another choice may have switched the process-wide backend in between.
  if (tf.getBackend() !== b.name) await tf.setBackend(b.name);
  return b;
}

function parseForcedBackend(value: string | undefined): TfjsBackendName | undefined {
  if (value === undefined || value === "") return undefined;
  if (!(TFJS_BACKENDS as readonly string[]).includes(value)) {
    throw new UserError(`${TFJS_BACKEND_ENV}: expected one of ${TFJS_BACKENDS.join(", ")}, got "${value}"`);
  }
  return value as TfjsBackendName;
}

async function select(
  device: "cpu" | "cuda",
  forced: TfjsBackendName | undefined,
  threads: number | undefined,
): Promise<TfjsBackend> {
  // PROD silences tfjs's console hints ("install tfjs-node ...") that would break the progress display.
  tf.env().set("PROD", true);
  await registerGradients();
  const describe = (name: TfjsBackendName, note = ""): TfjsBackend => ({
    name,
    device,
    description: `tfjs (${name}${device === "cuda" ? ", cuda" : ""}${note})`,
  });

  if (device === "cuda" || forced === "tensorflow" || forced === undefined) {
    const pkg = NATIVE_PACKAGES[device];
    const native = await loadNative(pkg, threads);
    if (native === "ok") return describe("tensorflow");
    if (device === "cuda") {
      throw new UserError(
        native === "missing"
          ? `--device cuda with --engine tfjs needs ${pkg}, which is not installed: ${GPU_HINT}`
          : `--device cuda: ${pkg} failed to load (${native}); check the CUDA and cuDNN libraries (see README, Engines)`,
      );
    }
    if (forced === "tensorflow") {
      throw new UserError(
        native === "missing"
          ? `${TFJS_BACKEND_ENV}=tensorflow needs ${pkg}: run \`pnpm --filter @siren-onnx/trainer add ${pkg}\` (it downloads libtensorflow)`
          : `${TFJS_BACKEND_ENV}=tensorflow: ${pkg} failed to load (${native})`,
      );
    }
    // Installed but broken: fall back, and say so where the engine is named.
    const note = native === "missing" ? "" : `; ${pkg} failed to load`;
    return (await startWasm()) === "ok" ? describe("wasm", note) : useCpu(describe("cpu", note));
  }
  if (forced === "wasm") {
    const wasm = await startWasm();
    if (wasm === "ok") return describe("wasm");
    throw new UserError(`${TFJS_BACKEND_ENV}=wasm: the WebAssembly backend failed to start (${wasm})`);
  }
  return useCpu(describe("cpu"));
}

/**
 * tfjs-core registers no gradient functions by itself; the @tensorflow/tfjs bundle registers all
 * of them (into the same tfjs-core instance). Loaded lazily: it costs about 0.4 s.
 */
async function registerGradients(): Promise<void> {
  await import("@tensorflow/tfjs");
  if (!tf.getGradient(tf.Mean)) {
    throw new Error(
      `tfjs: gradients did not register; @tensorflow/tfjs must use @tensorflow/tfjs-core ${tf.version_core}`,
    );
  }
}

/** "ok", "missing" (not installed) or the first line of the load error. */
async function loadNative(pkg: string, threads: number | undefined): Promise<string> {
  // libtensorflow reads its thread count once, when it loads.
  if (threads && process.env.TF_NUM_INTRAOP_THREADS === undefined) process.env.TF_NUM_INTRAOP_THREADS = String(threads);
  try {
    // A computed specifier: the package is optional and unknown to the type checker.
    await import(/* @vite-ignore */ pkg);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = firstLine(err);
    // Only the package itself missing counts as "not installed"; a missing dependency of it is a failure.
    if ((code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && message.includes(`'${pkg}'`)) {
      return "missing";
    }
    return message;
  }
  // The package registers "tensorflow" in its own copy of tfjs-core when its version differs from ours.
  if (!tf.findBackendFactory("tensorflow")) {
    return `its @tensorflow/tfjs-core is not version ${tf.version_core}; install the matching version`;
  }
  return (await tf.setBackend("tensorflow")) ? "ok" : "the tensorflow backend did not initialise";
}

/** Starts the wasm backend from the binaries inside the npm package: "ok" or why not. */
async function startWasm(): Promise<string> {
  const handlers = trackProcessHandlers();
  try {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    // In Node the .wasm files load from the file system: point at the package's dist folder.
    const require = createRequire(import.meta.url);
    wasm.setWasmPaths(`${dirname(require.resolve("@tensorflow/tfjs-backend-wasm"))}/`);
    return (await tf.setBackend("wasm")) ? "ok" : "setBackend returned false";
  } catch (err) {
    return firstLine(err);
  } finally {
    handlers.removeAdded();
  }
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split("\n")[0];
}

async function useCpu(backend: TfjsBackend): Promise<TfjsBackend> {
  await import("@tensorflow/tfjs-backend-cpu");
  if (!(await tf.setBackend("cpu"))) throw new Error("tfjs: the cpu backend did not initialise");
  return backend;
}

/**
 * Emscripten's Node glue in the wasm backend installs process-wide handlers that rethrow every
 * uncaught error and rejection (printing the minified module source); remove them so the
 * CLI's own error handling stays in charge.
 */
function trackProcessHandlers() {
  const before = new Set<unknown>([
    ...process.listeners("uncaughtException"),
    ...process.listeners("unhandledRejection"),
  ]);
  return {
    removeAdded() {
      for (const l of process.listeners("uncaughtException")) {
        if (!before.has(l)) process.removeListener("uncaughtException", l);
      }
      for (const l of process.listeners("unhandledRejection")) {
        if (!before.has(l)) process.removeListener("unhandledRejection", l);
      }
    },
  };
}
