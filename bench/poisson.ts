/**
 * `pnpm bench:poisson [image] [image2]`: the default settings of `siren train --task …` for each
 * derivative supervision (gradient, Laplacian, blend) on a 256² grey image, printing psnrAffine
 * and psnrMinMax (the official SIREN code's min-max normalisation) against step and wall time.
 * The coarse warm start (TaskTrainingDefaults.coarse) is included in the times. One run at a
 * time, about 5–10 min each on the 2-core machine. `bench/poisson-probe.ts` runs one explicit
 * setting (the probes of the README's "Tasks" table).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TaskName, trainDefaults, trainImage } from "@siren-onnx/trainer";

const image = process.argv[2] ?? "data/camera.png";
const image2 = process.argv[3] ?? "data/astronaut.png";
const tasks: TaskName[] = ["poisson-gradient", "poisson-laplacian", "blend"];
const out = await mkdtemp(join(tmpdir(), "siren-bench-poisson-"));
try {
  for (const task of tasks) {
    const d = trainDefaults(task);
    console.log(`\n# ${task} on ${image}, 256², SIREN, defaults: ${JSON.stringify({ ...d, model: undefined })}`);
    console.log("step   wall s  psnrAffine  psnrMinMax");
    const t0 = performance.now();
    const every = Math.max(1, Math.round(d.steps / 10));
    const { result } = await trainImage({
      image,
      task,
      gray: true,
      size: 256,
      taskSettings: task === "blend" ? { image2 } : undefined,
      out: join(out, task),
      evalEvery: every,
      onStep: ({ step, lastMetrics }) => {
        if ((step % every === 0 || step === d.steps) && lastMetrics) {
          const s = (performance.now() - t0) / 1000;
          console.log(
            `${String(step).padStart(4)}  ${s.toFixed(0).padStart(6)}  ${lastMetrics.psnrAffine.toFixed(2).padStart(7)} dB  ${lastMetrics.psnrMinMax.toFixed(2).padStart(7)} dB`,
          );
        }
      },
    });
    console.log(
      `kept step ${result.bestStep}: psnrAffine ${result.metrics.psnrAffine.toFixed(2)} dB, psnrMinMax ${result.metrics.psnrMinMax.toFixed(2)} dB, ${result.seconds.toFixed(0)} s in all (warm start included)`,
    );
  }
} finally {
  await rm(out, { recursive: true, force: true });
}
