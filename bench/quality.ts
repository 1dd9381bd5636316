/**
 * `pnpm bench:quality [steps] [--only defaults|reference|gradient] [--svg file]`: quality against
 * time and against an independent PyTorch implementation, on camera.png at 256² (grey).
 *
 * - defaults: `siren train` with no flags against the previous defaults (a warm start of 60
 *   full-batch steps at 128², then 200 steps of 16,384 points, lr 1e-3 cosine, 20 evaluations, one
 *   onnxruntime session with every thread): wall seconds to 30/35/38/40 dB, in one process.
 *   `--svg` writes both PSNR-against-time curves as a picture.
 * - reference: the reference settings (full batch, Adam lr 1e-4 constant, seed 0) with this
 *   project's engine and with PyTorch on exactly the same pixels from the same initial weights,
 *   step by step (target: within 1 dB).
 * - gradient: the same for Poisson from the gradient (the project's own 6th-order targets),
 *   comparing the loss and psnrAffine step by step.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSpec, initParams } from "@siren-onnx/core";
import { writeFileAtomic } from "@siren-onnx/core/node";
import { buildTask, chartGroup, fitTask, loadImage, type Task, trainImage, trainLoop } from "@siren-onnx/trainer";
import { runTorch, torchAvailable } from "./support.ts";

const IMAGE = "data/camera.png";
const args = process.argv.slice(2);
const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const only = flag("--only");
const steps = Number(args.find((a) => /^\d+$/.test(a)) ?? 300);
const every = Math.max(1, Math.round(steps / 12));
const dir = await mkdtemp(join(tmpdir(), "siren-bench-quality-"));

/** One `siren train` run: PSNR against wall seconds since the call, warm start included. */
async function timedRun(label: string, settings: Parameters<typeof trainImage>[0]) {
  const t0 = performance.now();
  const curve: Array<[number, number]> = [];
  let recorded: unknown;
  const { result } = await trainImage({
    ...settings,
    out: join(dir, label.replace(/\W+/g, "-")),
    // lastMetrics is a new object at each evaluation: one point per evaluation of the run proper.
    onStep: ({ stage, lastMetrics }) => {
      if (stage || !lastMetrics || lastMetrics === recorded) return;
      recorded = lastMetrics;
      curve.push([(performance.now() - t0) / 1000, lastMetrics.psnr]);
    },
  });
  return { label, curve, psnr: result.metrics.psnr, seconds: (performance.now() - t0) / 1000 };
}

async function benchDefaults(): Promise<void> {
  console.log(`\n# Time to quality: \`siren train ${IMAGE}\` (256², SIREN) against the previous defaults`);
  const runs = [
    await timedRun("defaults", { image: IMAGE, gray: true }),
    await timedRun("previous defaults", {
      image: IMAGE,
      gray: true,
      steps: 200,
      lr: 1e-3,
      schedule: "cosine",
      batch: 16_384,
      warmStart: { size: 128, steps: 60, lr: 1e-3 },
      evalEvery: 10,
      dataParallel: false,
    }),
  ];
  const levels = [30, 35, 38, 40];
  console.log(`| settings | ${levels.map((l) => `${l} dB after`).join(" | ")} | final | wall time |`);
  console.log(`|---|${levels.map(() => "---:|").join("")}---:|---:|`);
  for (const r of runs) {
    const reached = levels.map((l) => r.curve.find(([, p]) => p >= l)?.[0]);
    console.log(
      `| ${r.label} | ${reached.map((s) => (s === undefined ? "–" : `${s.toFixed(1)} s`)).join(" | ")} | ${r.psnr.toFixed(2)} dB | ${r.seconds.toFixed(1)} s |`,
    );
  }
  const svg = flag("--svg");
  if (svg) {
    const chart = chartGroup(
      runs.map((r) => ({ label: r.label, points: r.curve })),
      { title: "camera 256², SIREN: PSNR against wall time", xLabel: "seconds", yLabel: "PSNR (dB)" },
    );
    await writeFileAtomic(
      svg,
      `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="300" font-family="sans-serif" role="img"><title>PSNR against wall time: ${runs.map((r) => r.label).join(" and ")}</title>${chart}</svg>\n`,
    );
    console.log(`wrote ${svg}`);
  }
}

/** Our curve (metric per evaluated step) and PyTorch's on the same task at the reference settings. */
async function againstTorch(task: Task, metric: "psnr" | "psnrAffine", torchArgs: string[]): Promise<void> {
  const spec = createSpec("sine");
  const ours = new Map<number, { loss: number; value: number }>();
  await trainLoop({
    task,
    spec,
    params: initParams(spec, 0),
    steps,
    lr: 1e-4,
    schedule: "constant",
    batch: "full",
    seed: 0,
    engine: "onnxruntime",
    evalEvery: every,
    onStep: ({ step, loss, lastMetrics }) => {
      if (step % every === 0 && lastMetrics) ours.set(step, { loss, value: lastMetrics[metric] });
    },
  });
  const theirs = new Map<number, { loss?: number; value: number }>();
  if (torchAvailable()) {
    // PyTorch starts from the same initial weights (nn.Linear's order: weight, then bias).
    const init = join(dir, "init.f32");
    const layers = initParams(spec, 0);
    await writeFile(init, Float32Array.from(layers.flatMap((l) => [...l.weight, ...l.bias])));
    for await (const line of runTorch(["fit", ...torchArgs], { env: { SIREN_INIT: init } }))
      theirs.set(line.step as number, { loss: line.loss as number | undefined, value: line.psnr as number });
  } else {
    console.log("(PyTorch not available: install Debian's python3-torch for the comparison)");
  }
  console.log(`| step | siren-onnx ${metric} | PyTorch | difference | siren-onnx loss | PyTorch loss |`);
  console.log("|---:|---:|---:|---:|---:|---:|");
  let worst = 0;
  for (const [step, o] of ours) {
    const t = theirs.get(step);
    if (t) worst = Math.max(worst, Math.abs(o.value - t.value));
    console.log(
      `| ${step} | ${o.value.toFixed(2)} dB | ${t ? `${t.value.toFixed(2)} dB` : "–"} | ${t ? `${(o.value - t.value).toFixed(2)} dB` : ""} | ${o.loss.toExponential(3)} | ${t?.loss === undefined ? "" : t.loss.toExponential(3)} |`,
    );
  }
  if (theirs.size) console.log(`largest difference: ${worst.toFixed(2)} dB (target: within 1 dB)`);
}

try {
  if (!only || only === "defaults") await benchDefaults();
  const image = await loadImage(IMAGE, { size: 256, gray: true });
  const pixels = join(dir, "camera.f32");
  await writeFile(pixels, image.data);
  if (!only || only === "reference") {
    console.log(`\n# Reference settings, fit: camera 256², SIREN, full batch, Adam lr 1e-4, ${steps} steps`);
    await againstTorch(fitTask(image), "psnr", [pixels, "256", String(steps), "1e-4", String(every)]);
  }
  if (!only || only === "gradient") {
    console.log(`\n# Reference settings, Poisson from the gradient: same, ${steps} steps, scored by psnrAffine`);
    const task = await buildTask("poisson-gradient", image, { seed: 0 });
    const dx = join(dir, "dx.f32");
    const dy = join(dir, "dy.f32");
    await writeFile(dx, task.targets.dx);
    await writeFile(dy, task.targets.dy);
    await againstTorch(task, "psnrAffine", [pixels, "256", String(steps), "1e-4", String(every), dx, dy]);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
