import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Checkpoint, createSpec, initParams } from "@siren-onnx/core";

export const TCMALLOC = "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4";
export const TORCH_SCRIPT = fileURLToPath(new URL("./torch_reference.py", import.meta.url));
export const TORCH_STEPS_SCRIPT = fileURLToPath(new URL("./gpu_anchor.py", import.meta.url));

/**
 * The two BLAS configurations PyTorch is timed in: the environment's (which may pin OpenBLAS to
 * its Haswell kernels) and OpenBLAS's own choice for this CPU (its AVX-512 kernels on Zen 5).
 * Benchmarks compare against the faster; tests and CI never unset them.
 */
export const BLAS_CONFIGS = [
  { label: "environment's OpenBLAS settings", unset: [] as string[] },
  { label: "OPENBLAS_CORETYPE unset", unset: ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"] },
];

/** Median wall time in ms of `runs` calls after `warmup` unmeasured ones. */
export async function timeMedian(fn: () => Promise<unknown>, runs = 5, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Debian's python3-torch is optional: the comparisons print a hint when it is missing. */
export function torchAvailable(): boolean {
  try {
    execFileSync("/usr/bin/python3", ["-c", "import torch"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a PyTorch script (default the reference script) with tcmalloc preloaded and the given
 * environment variables removed; yields each JSON line it prints on stdout.
 */
export async function* runTorch(
  args: string[],
  options: { script?: string; unset?: readonly string[]; quiet?: boolean; env?: Record<string, string> } = {},
): AsyncGenerator<Record<string, unknown>> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(existsSync(TCMALLOC) ? { LD_PRELOAD: TCMALLOC } : {}),
    ...options.env,
  };
  for (const name of options.unset ?? []) delete env[name];
  const child = spawn("/usr/bin/python3", [options.script ?? TORCH_SCRIPT, ...args], {
    env,
    stdio: ["ignore", "pipe", options.quiet ? "ignore" : "inherit"],
  });
  let buffer = "";
  for await (const chunk of child.stdout) {
    buffer += chunk;
    let nl = buffer.indexOf("\n");
    while (nl >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line) yield JSON.parse(line);
      nl = buffer.indexOf("\n");
    }
  }
}

export const fmt = (ms: number) => `${ms.toFixed(0).padStart(7)} ms`;

/** The reference SIREN (2 -> 4x256 -> 1, random init) as a checkpoint, for render benchmarks. */
export function referenceCheckpoint(): Checkpoint {
  const spec = createSpec("sine");
  const training = {
    task: "bench",
    steps: 0,
    lr: 0,
    batch: "full" as const,
    seed: 0,
    loss: 0,
    psnr: 0,
    imageWidth: 512,
    imageHeight: 512,
    channels: 1,
    engine: "none",
    seconds: 0,
  };
  return { spec, params: initParams(spec, 0), training };
}
