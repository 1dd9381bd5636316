import { createSpec, initParams } from "@siren-onnx/core";
import { fitTask, loadImage, trainLoop } from "@siren-onnx/trainer";

const [coarseSteps, fineSteps, lr] = process.argv.slice(2).map(Number);
const image = await loadImage("data/camera.png", { size: 256 });
const small = await loadImage("data/camera.png", { size: 128 });
const spec = createSpec("sine");
const w = await trainLoop({
  task: fitTask(small),
  spec,
  params: initParams(spec, 0),
  steps: coarseSteps,
  lr,
  schedule: "constant",
  batch: "full",
  seed: 0,
  engine: "onnxruntime",
  evalEvery: coarseSteps,
});
console.log(`coarse: ${w.metrics.psnr.toFixed(2)} at 128`);
const marks: string[] = [];
const r = await trainLoop({
  task: fitTask(image),
  spec,
  params: w.lastParams,
  steps: coarseSteps + fineSteps,
  lr,
  schedule: "cosine",
  batch: 16384,
  seed: 0,
  engine: "onnxruntime",
  evalEvery: 10,
  resume: { optimizer: w.optimizer, best: { params: w.lastParams, step: 0 }, history: [], seconds: 0, msPerStep: 0 },
  onStep: ({ step, lastMetrics }) => {
    if (step % 10 === 0 && lastMetrics) marks.push(`${step - coarseSteps}:${lastMetrics.psnr.toFixed(1)}`);
  },
});
const first = (db: number) => (r.history.find((h) => (h.psnr ?? 0) >= db)?.step ?? NaN) - coarseSteps;
console.log(
  `carry c${coarseSteps} f${fineSteps} lr ${lr}: final ${r.metrics.psnr.toFixed(2)}; 35@${first(35)} 40@${first(40)}`,
);
console.log(marks.join(" "));
