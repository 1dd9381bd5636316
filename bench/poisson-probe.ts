/**
 * `tsx bench/poisson-probe.ts key=value ...`: one derivative-only training with explicit settings,
 * printing psnrAffine against step and wall time (the probes behind the README's "Tasks" table).
 * Keys: image, size, task, model, steps, lr, schedule, batch, omega0, every, gray, image2, and
 * pre, preSteps, preLr, preSchedule for a warm start (comma lists for a pyramid of them), and
 * border=reflect for the Laplacian target with mirrored borders (the official code's).
 */
import { createSpec, initParams, type ModelKind, nyquistOctaves } from "@siren-onnx/core";
import { buildTask, loadImage, type Schedule, type TaskName, trainDefaults, trainLoop } from "@siren-onnx/trainer";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split("=") as [string, string]));
const task = (args.task ?? "poisson-gradient") as TaskName;
const d = trainDefaults(task);
const size = Number(args.size ?? 256);
const steps = Number(args.steps ?? d.steps);
const lr = Number(args.lr ?? d.lr);
const schedule = (args.schedule ?? d.schedule) as Schedule;
const batch = args.batch === undefined ? d.batch : args.batch === "full" ? "full" : Number(args.batch);
const model = (args.model ?? "sine") as ModelKind;
const image = await loadImage(args.image ?? "data/camera.png", { size, gray: args.gray !== "0" });
const t = await buildTask(task, image, { seed: 0, image2: args.image2 ?? "data/astronaut.png" });
// border=reflect: the Laplacian target with mirrored borders (scipy.ndimage.laplace's default, the
// official code's target): u[-1] = u[0], so the border pixels carry the flux across the border.
if (args.border === "reflect" && t.targets.laplacian) t.targets.laplacian = reflectLaplacian(image);
function reflectLaplacian({ data, width, height, channels }: typeof image): Float32Array {
  const out = new Float32Array(data.length);
  const sx = ((width - 1) / 2) ** 2;
  const sy = ((height - 1) / 2) ** 2;
  const at = (r: number, c: number, ch: number) =>
    data[(Math.min(Math.max(r, 0), height - 1) * width + Math.min(Math.max(c, 0), width - 1)) * channels + ch];
  for (let r = 0; r < height; r++)
    for (let c = 0; c < width; c++)
      for (let ch = 0; ch < channels; ch++) {
        const v = at(r, c, ch);
        out[(r * width + c) * channels + ch] =
          sx * (at(r, c - 1, ch) - 2 * v + at(r, c + 1, ch)) + sy * (at(r - 1, c, ch) - 2 * v + at(r + 1, c, ch));
      }
  return out;
}
const spec = createSpec(model, {
  outputs: image.channels,
  omega0: args.omega0 ? Number(args.omega0) : undefined,
  peFrequencies: nyquistOctaves(size),
});
let params = initParams(spec, 0);
// pre=128 preSteps=N: first N full-batch steps on the task at pre² (a coarse-to-fine curriculum);
// pre=32,64,128 preSteps=300,300,200 runs a pyramid of such stages, coarsest first.
if (args.pre) {
  const sizes = args.pre.split(",").map(Number);
  const stepsList = (args.preSteps ?? "150").split(",").map(Number);
  const lrs = (args.preLr ?? String(lr)).split(",").map(Number);
  for (const [i, preSize] of sizes.entries()) {
    const small = await loadImage(args.image ?? "data/camera.png", { size: preSize, gray: args.gray !== "0" });
    const smallTask = await buildTask(task, small, { seed: 0, image2: args.image2 ?? "data/astronaut.png" });
    const preSteps = stepsList[Math.min(i, stepsList.length - 1)];
    const pre = await trainLoop({
      task: smallTask,
      spec,
      params,
      steps: preSteps,
      lr: lrs[Math.min(i, lrs.length - 1)],
      schedule: (args.preSchedule ?? "constant") as Schedule,
      batch: "full",
      seed: 0,
      engine: "onnxruntime",
      evalEvery: preSteps,
    });
    params = pre.lastParams;
    console.log(
      `pre ${preSize}² ${preSteps} steps: psnrAffine ${pre.metrics.psnrAffine?.toFixed(2)} at ${preSize}² in ${pre.seconds.toFixed(0)} s`,
    );
  }
}
const every = Number(args.every ?? Math.max(1, Math.round(steps / 10)));
const t0 = performance.now();
if (args.pre)
  console.log(`at ${size}² from the curriculum: psnrAffine ${t.evaluate(await predictOnce()).psnrAffine?.toFixed(2)}`);
async function predictOnce(): Promise<Float32Array> {
  const r = await trainLoop({ task: t, spec, params, steps: 0, lr, schedule, batch, seed: 0, engine: "onnxruntime" });
  return r.prediction;
}
console.log(`# ${task} ${model} ${size}² steps ${steps} lr ${lr} ${schedule} batch ${batch} ω0 ${spec.omega0}`);
const result = await trainLoop({
  task: t,
  spec,
  params,
  steps,
  lr,
  schedule,
  batch,
  seed: 0,
  engine: "onnxruntime",
  evalEvery: every,
  onStep: ({ step, loss, lastMetrics }) => {
    if ((step % every === 0 || step === steps) && lastMetrics) {
      const s = ((performance.now() - t0) / 1000).toFixed(0);
      console.log(
        `${step}\t${s}s\tloss ${loss.toExponential(2)}\taff ${lastMetrics.psnrAffine?.toFixed(2)}\tsupErr ${lastMetrics.supervisionError?.toExponential(2)}${lastMetrics.psnrMinMax === undefined ? "" : `\tminmax ${lastMetrics.psnrMinMax.toFixed(2)}`}`,
      );
    }
  },
});
console.log(
  `kept step ${result.bestStep}: psnrAffine ${result.metrics.psnrAffine?.toFixed(2)} in ${result.seconds.toFixed(0)} s (${result.msPerStep.toFixed(0)} ms/step)`,
);
