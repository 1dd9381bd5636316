import { formatSeconds } from "@siren-onnx/core/node";
import { runStudy } from "@siren-onnx/study";
import type { Command } from "commander";

interface StudyFlags {
  quick?: boolean;
  image?: string;
  image2?: string;
  out: string;
  force?: boolean;
}

export function registerStudy(program: Command): void {
  program
    .command("study")
    .description(
      "reproduce the SIREN paper's study (fitting, derivatives, out-of-sample, Poisson, blending, inpainting) as report/index.html",
    )
    .option("--quick", "smaller images, narrower networks, fewer steps (about 10 minutes on 2 cores)")
    .option("--image <path>", "the image of every task (default: the bundled data/camera.png)")
    .option("--image2 <path>", "the second image of the blending run (default: the bundled data/astronaut.png)")
    .option("--out <dir>", "report folder; finished runs in it are reused (resume)", "report")
    .option("--force", "retrain finished runs; accept a non-empty --out that is not a study report")
    .action(async (flags: StudyFlags) => {
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
