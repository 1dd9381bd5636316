/**
 * The small sweep that chose the defaults of finer and gauss (README, "Model"): camera.png
 * resized to 128², 2 -> 4x64 -> 1, 200 full-batch Adam steps with the cosine schedule, seed 0,
 * onnxruntime on the CPU. Prints one markdown row per setting (PSNR of the kept weights).
 *
 *   pnpm tsx bench/sweep-activations.ts [sine|finer|finer-detached|gauss|gauss-gabor ...]
 *
 * The `detached` and `gabor` rows are experiments behind two choices (README, "Model"), patched
 * into the activation table for their rows only; they are not model kinds.
 */

import { ACTIVATIONS, type Activation, createSpec, initParams, type ModelKind, type ModelSpec } from "@siren-onnx/core";
import { GraphOps, type Value } from "@siren-onnx/onnx-graph";
import { buildTask, loadImage, trainLoop } from "@siren-onnx/trainer";

const SIZE = 128;
const WIDTH = 64;
const STEPS = 200;
/** The best k of the first finer rows, used by the rows after them. */
const FINER_K = Number(process.env.FINER_K ?? 1);

interface Setting {
  kind: ModelKind;
  omega0: number;
  firstBiasScale?: number;
  lr: number;
  /** Experiments that are not model kinds, patched into the activation table for their rows. */
  variant?: "detached" | "gabor";
  /** gabor: omega / s. */
  gaborRatio?: number;
}

const ORIGINAL = { ...ACTIVATIONS };

/**
 * finer with the scale |z| + 1 detached, as the official code trains it: Cast is one of the
 * operators onnx-graph's autodiff passes no gradient through, so Cast(z) is z as a constant
 * (onnxruntime engine, value supervision only).
 */
const detachedFiner: Activation = (ops, z, order, omega0) => {
  if (!(ops instanceof GraphOps) || order !== 0) throw new Error("detached finer: onnxruntime fit only");
  const x = z as unknown as Value;
  const constant = ops.graph.node("Cast", [x], x.shape, { to: { int: 1 } });
  const f = ops.sin(ops.scale(ops.mul(ops.addScalar(ops.abs(constant), 1), x), omega0));
  return { f: f as unknown as typeof z };
};

/** f = cos(r u) exp(-u^2) with u = s z (s folded into the layer as gauss's), value only. */
const gabor =
  (r: number): Activation =>
  (ops, u, order) => {
    if (order !== 0) throw new Error("gabor: value only");
    return { f: ops.mul(ops.cos(ops.scale(u, r)), ops.exp(ops.scale(ops.mul(u, u), -1))) };
  };

function patchActivations(setting: Setting): void {
  Object.assign(ACTIVATIONS, ORIGINAL);
  if (setting.variant === "detached") ACTIVATIONS.finer = detachedFiner;
  if (setting.variant === "gabor") ACTIVATIONS.gauss = gabor(setting.gaborRatio ?? 2);
}

const SETTINGS: Setting[] = [
  // SIREN for reference, at its defaults.
  ...[1e-3, 3e-3].map((lr) => ({ kind: "sine" as const, omega0: 30, lr })),
  // finer: the first-layer bias range k at omega0 30 (1/sqrt(2) is PyTorch's default, the
  // official code's when first_bias_scale is None), then omega0 and lr at the best k.
  ...[Math.SQRT1_2, 1, 2, 5, 10].map((k) => ({ kind: "finer" as const, omega0: 30, firstBiasScale: k, lr: 1e-3 })),
  ...[20, 45].map((omega0) => ({ kind: "finer" as const, omega0, firstBiasScale: FINER_K, lr: 1e-3 })),
  { kind: "finer", omega0: 30, firstBiasScale: FINER_K, lr: 3e-3 },
  // The official code's detached scale (trained as if |z| + 1 were a constant).
  ...[1e-3, 3e-3].map((lr) => ({
    kind: "finer" as const,
    omega0: 30,
    firstBiasScale: FINER_K,
    lr,
    variant: "detached" as const,
  })),
  // gauss: s at 1e-3 and at the official lr 5e-3, then lr around the best s.
  ...[5, 10, 20, 30].flatMap((s) => [1e-3, 5e-3].map((lr) => ({ kind: "gauss" as const, omega0: s, lr }))),
  ...[2e-3, 1e-2].map((lr) => ({ kind: "gauss" as const, omega0: 10, lr })),
  ...[1e-3, 2e-3, 5e-3].map((lr) => ({ kind: "gauss" as const, omega0: 15, lr })),
  // WIRE's real Gabor cos(omega z) exp(-(s z)^2) in gauss's place (same init), as omega / s = r.
  ...[
    [10, 2],
    [5, 4],
    [10, 1],
  ].map(([s, r]) => ({ kind: "gauss" as const, omega0: s, lr: 5e-3, variant: "gabor" as const, gaborRatio: r })),
];

async function main(): Promise<void> {
  const image = await loadImage("data/camera.png", { size: SIZE, gray: true });
  const task = await buildTask("fit", image, { seed: 0 });
  console.log("| model | omega0 / s | k | lr | PSNR (dB) | s/run |");
  console.log("|---|---|---|---|---|---|");
  const only = new Set(process.argv.slice(2));
  for (const setting of SETTINGS) {
    const name = setting.variant ? `${setting.kind}-${setting.variant}` : setting.kind;
    if (only.size > 0 && !only.has(name)) continue;
    const spec: ModelSpec = createSpec(setting.kind, {
      width: WIDTH,
      hiddenLayers: 3,
      outputs: 1,
      omega0: setting.omega0,
      firstBiasScale: setting.firstBiasScale,
    });
    patchActivations(setting);
    const start = performance.now();
    let psnr = Number.NaN;
    try {
      const result = await trainLoop({
        task,
        spec,
        params: initParams(spec, 0),
        steps: STEPS,
        lr: setting.lr,
        schedule: "cosine",
        batch: "full",
        seed: 0,
        engine: "onnxruntime",
      });
      psnr = result.metrics.psnr;
    } catch (err) {
      console.error(`${setting.kind}: ${(err as Error).message}`);
    }
    const k = setting.firstBiasScale === undefined ? "" : setting.firstBiasScale.toFixed(2);
    const seconds = ((performance.now() - start) / 1000).toFixed(1);
    console.log(
      `| ${name}${setting.variant === "gabor" ? ` (omega = ${setting.gaborRatio}s)` : ""} | ${setting.omega0} | ${k} | ${setting.lr} | ${psnr.toFixed(2)} | ${seconds} |`,
    );
  }
}

await main();
