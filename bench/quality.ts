/**
 * `pnpm bench:quality [steps]`: the quality floor of the foundation issue. Fits the camera
 * image at the reference settings (256², full batch, Adam lr 1e-4, seed 0) with this project's
 * ONNX engine and with an independent PyTorch implementation of the reference, on exactly
 * the same pixels, and prints both PSNR curves and their difference (target: within 1 dB).
 */
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSpec, initParams } from "@siren-onnx/core";
import { fitTask, loadImage, trainLoop } from "@siren-onnx/trainer";
import { runTorch, torchAvailable } from "./support.ts";

const steps = Number(process.argv[2] ?? 300);
const every = Math.max(1, Math.round(steps / 12));
const image = await loadImage("data/camera.png", { size: 256 });
const spec = createSpec("sine");
console.log(`# Reference settings: camera 256x256, SIREN, full batch, Adam lr 1e-4, ${steps} steps`);
const ours = new Map<number, number>();
await trainLoop({
  task: fitTask(image),
  spec,
  params: initParams(spec, 0),
  steps,
  lr: 1e-4,
  schedule: "constant",
  batch: "full",
  seed: 0,
  engine: "onnxruntime",
  evalEvery: every,
  onStep: ({ step, lastMetrics }) => {
    if (step % every === 0 && lastMetrics) ours.set(step, lastMetrics.psnr);
  },
});
const theirs = new Map<number, number>();
if (torchAvailable()) {
  const pixels = join(tmpdir(), "siren-camera-256.f32");
  await writeFile(pixels, image.data);
  for await (const line of runTorch(["fit", pixels, "256", String(steps), "1e-4", String(every)])) {
    theirs.set(line.step as number, line.psnr as number);
  }
} else {
  console.log("(PyTorch not available: install Debian's python3-torch for the comparison)");
}
console.log("step  siren-onnx  PyTorch  difference");
for (const [step, psnr] of ours) {
  const t = theirs.get(step);
  console.log(
    `${String(step).padStart(4)}  ${psnr.toFixed(2).padStart(8)} dB  ${t === undefined ? "   --" : `${t.toFixed(2)} dB`}  ${t === undefined ? "" : `${(psnr - t).toFixed(2)} dB`}`,
  );
}
