/**
 * The smoke run of `siren devices`: ten Adam steps of a small SIREN on a tiny synthetic image,
 * on a device and on the CPU, then the two compared step by step (loss) and at the end (weights).
 */
import { createSpec, initParams, type ModelParams, regionGrid } from "@siren-onnx/core";
import { DEFAULT_ADAM } from "./engines/engine.ts";
import { createOnnxEngine } from "./engines/onnx-engine.ts";

export const SMOKE_RUN = { side: 16, width: 32, hiddenLayers: 2, steps: 10, lr: 1e-3 } as const;

/**
 * What counts as the same training: every step's loss within 1e-4 relative, every final weight
 * within 1e-4 absolute (a tenth of one Adam step at lr 1e-3). float32 Gemm sums in a different
 * order on a GPU and WebGPU graphs compute sin/cos with lowerTrig (~3e-7): measured differences
 * are around 1e-7.
 */
export const SMOKE_TOLERANCE = { loss: 1e-4, weights: 1e-4 } as const;

export interface SmokeRun {
  device: string;
  /** The engine's description, e.g. "onnxruntime (webgpu: ...)". */
  description: string;
  losses: number[];
  params: ModelParams;
  /** The first step (includes shader compilation on a GPU). */
  firstStepMs: number;
  /** Mean of the other steps. */
  msPerStep: number;
}

/** Ten value-fit steps of a 2->2x32->1 SIREN on a 16x16 pattern (full batch), on `device`. */
export async function smokeRun(device: string, options: { threads?: number } = {}): Promise<SmokeRun> {
  const { side, width, hiddenLayers, steps, lr } = SMOKE_RUN;
  const spec = createSpec("sine", { width, hiddenLayers, outputs: 1 });
  const coords = regionGrid(side, side);
  const value = Float32Array.from({ length: side * side }, (_, i) => {
    const [x, y] = [coords[2 * i], coords[2 * i + 1]];
    return 0.8 * Math.sin(4 * x) * Math.cos(3 * y + x * y);
  });
  const engine = await createOnnxEngine({
    spec,
    params: initParams(spec, 0),
    supervision: "value",
    batchSize: side * side,
    adam: { ...DEFAULT_ADAM, lr },
    device,
    threads: options.threads,
  });
  try {
    const losses: number[] = [];
    const times: number[] = [];
    for (let s = 0; s < steps; s++) {
      const t0 = performance.now();
      losses.push(await engine.step({ coords, targets: { value } }));
      times.push(performance.now() - t0);
    }
    const rest = times.slice(1);
    return {
      device,
      description: engine.description,
      losses,
      params: await engine.params(),
      firstStepMs: times[0],
      msPerStep: rest.reduce((a, b) => a + b, 0) / rest.length,
    };
  } finally {
    await engine.dispose();
  }
}

export interface Parity {
  /** Largest relative loss difference over the steps. */
  loss: number;
  /** Largest absolute weight or bias difference at the end. */
  weights: number;
  ok: boolean;
}

export function compareSmokeRuns(run: SmokeRun, reference: SmokeRun): Parity {
  let loss = 0;
  run.losses.forEach((l, i) => {
    const ref = reference.losses[i];
    loss = Math.max(loss, Math.abs(l - ref) / Math.max(Math.abs(ref), 1e-12));
  });
  let weights = 0;
  run.params.forEach((layer, i) => {
    for (const key of ["weight", "bias"] as const) {
      const a = layer[key];
      const b = reference.params[i][key];
      for (let k = 0; k < a.length; k++) weights = Math.max(weights, Math.abs(a[k] - b[k]));
    }
  });
  // NaN fails both comparisons.
  const ok = loss <= SMOKE_TOLERANCE.loss && weights <= SMOKE_TOLERANCE.weights;
  return { loss, weights, ok };
}
