import { formatSeconds } from "@siren-onnx/core/node";
import {
  estimateStudySeconds,
  FULL_STUDY,
  planStudy,
  QUICK_STUDY,
  runStudy,
  type StudyConfig,
  studyConfig,
} from "@siren-onnx/study";
import type { Command } from "commander";
import { DEVICE_HELP, deviceOption } from "../device-option.ts";

interface StudyFlags {
  quick?: boolean;
  reference?: boolean;
  device: string;
  image?: string;
  image2?: string;
  out: string;
  force?: boolean;
}

/** The cost model's expected time on the 2-core reference machine, in whole minutes. */
const minutes = (config: StudyConfig) => Math.round(estimateStudySeconds(planStudy(config), config) / 60);

export function registerStudy(program: Command): void {
  program
    .command("study")
    .description(
      "reproduce the SIREN paper's image study as report/index.html: fitting (SIREN, ReLU, tanh, sigmoid, ReLU+PE, FINER, Gauss), " +
        "derivatives, out-of-sample, Poisson from the gradient and the Laplacian, blending, inpainting and held-out zoom, " +
        `with classical baselines (about ${minutes(FULL_STUDY)} minutes on 2 cores)`,
    )
    .option(
      "--quick",
      `the same sections (zoom included) at 128², 128-wide networks, 200-400 steps (about ${minutes(QUICK_STUDY)} minutes on 2 cores)`,
    )
    .option(
      "--reference",
      "the paper's settings: lr 1e-4, full batch, constant schedule, 10k steps (blending 3k); meant for a GPU (--device), not with --quick",
    )
    .option("--device <name>", `where the runs train: ${DEVICE_HELP}`, "cpu")
    .option("--image <path>", "the image of every task (default: the bundled data/camera.png)")
    .option("--image2 <path>", "the second image of the blending run (default: the bundled data/astronaut.png)")
    .option("--out <dir>", "report folder; finished runs in it are reused (resume)", "report")
    .option("--force", "retrain finished runs; accept a non-empty --out that is not a study report")
    .action(async (flags: StudyFlags) => {
      studyConfig(flags); // refuses --reference with --quick before anything is probed
      // Probed (and reported) before the first run; the runs' onnxruntime sessions reuse the result.
      await deviceOption(flags.device);
      // Ctrl-C stops after the current step; finished runs stay for the next invocation.
      const controller = new AbortController();
      const onSigint = () => {
        console.error("\ninterrupted: stopping after the current step...");
        controller.abort();
      };
      process.once("SIGINT", onSigint);
      try {
        const result = await runStudy({ ...flags, signal: controller.signal });
        if (result.stopped) {
          process.exitCode = 130;
          return;
        }
        console.log(`report: ${result.html} (${result.runs.length} runs, ${formatSeconds(result.seconds)})`);
        console.log(`numbers: ${result.results}`);
      } finally {
        process.off("SIGINT", onSigint);
      }
    });
}
