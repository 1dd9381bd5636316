import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Checkpoint, createSpec, initParams } from "@siren-onnx/core";

export const TCMALLOC = "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4";
export const TORCH_SCRIPT = fileURLToPath(new URL("./torch_reference.py", import.meta.url));

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

/** Runs the PyTorch reference script; yields each JSON line it prints. */
export async function* runTorch(args: string[]): AsyncGenerator<Record<string, unknown>> {
  const env = { ...process.env, ...(existsSync(TCMALLOC) ? { LD_PRELOAD: TCMALLOC } : {}) };
  const child = spawn("/usr/bin/python3", [TORCH_SCRIPT, ...args], { env, stdio: ["ignore", "pipe", "inherit"] });
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
