/**
 * The small learning-rate sweep behind each model kind's own derivative-task settings (README,
 * "Tasks"): camera.png resized to `size`² (grey), 2 -> 4x256 -> 1, full-batch Adam with the cosine
 * schedule, seed 0, onnxruntime on the CPU. Prints one markdown row per setting: psnrAffine of
 * the kept weights (chosen by supervisionError, never by the image) and the seconds.
 *
 *   pnpm tsx bench/sweep-baselines.ts [task=poisson-gradient] [models=tanh,relu-pe,sine]
 *     [lrs=1e-4,3e-4,1e-3] [size=128] [steps=200]
 */
import { createSpec, initParams, type ModelKind, nyquistOctaves } from "@siren-onnx/core";
import { buildTask, loadImage, type TaskName, trainLoop } from "@siren-onnx/trainer";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split("=") as [string, string]));
const task = (args.task ?? "poisson-gradient") as TaskName;
const models = (args.models ?? "tanh,relu-pe,sine").split(",") as ModelKind[];
const lrs = (args.lrs ?? "1e-4,3e-4,1e-3").split(",").map(Number);
const size = Number(args.size ?? 128);
const steps = Number(args.steps ?? 200);

const image = await loadImage(args.image ?? "data/camera.png", { size, gray: true });
const built = await buildTask(task, image, { seed: 0, image2: "data/astronaut.png" });
console.log(`# ${task}, ${args.image ?? "data/camera.png"} at ${size}², full batch, ${steps} steps, cosine, seed 0`);
console.log("| model | lr | psnrAffine (kept) | kept step | seconds |");
console.log("|---|---:|---:|---:|---:|");
for (const model of models) {
  for (const lr of lrs) {
    const spec = createSpec(model, { peFrequencies: nyquistOctaves(size) });
    const r = await trainLoop({
      task: built,
      spec,
      params: initParams(spec, 0),
      steps,
      lr,
      schedule: "cosine",
      batch: "full",
      seed: 0,
      engine: "onnxruntime",
    });
    console.log(
      `| ${model} | ${lr} | ${(r.metrics.psnrAffine ?? r.metrics.psnr).toFixed(2)} dB | ${r.bestStep} | ${r.seconds.toFixed(0)} |`,
    );
  }
}
