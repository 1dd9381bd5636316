import { modelLabel } from "@siren-onnx/core";
import { exportCheckpoint } from "@siren-onnx/exporter";
import type { Command } from "commander";

export function registerExport(program: Command): void {
  program
    .command("export")
    .description("export a checkpoint as ONNX: <name>.onnx (image) and <name>.deriv.onnx (image, gradient, Laplacian)")
    .argument("<checkpoint>", "a run directory (holding checkpoint.safetensors) or a .safetensors checkpoint")
    .option("-o, --out <prefix>", "output path without extension (default: models/<run or checkpoint name>)")
    .option("--force", "overwrite existing model files")
    .action(async (input: string, opts: { out?: string; force?: boolean }) => {
      const result = await exportCheckpoint(input, opts.out, { force: opts.force });
      const { spec } = result;
      const shape = `2→${spec.hiddenLayers + 1}×${spec.width}→${spec.outputs}`;
      console.log(`exported ${modelLabel(spec.activation)} ${shape} from ${result.checkpoint}`);
      console.log(`wrote ${result.imageModel} and ${result.derivativeModel} (${(result.bytes / 1024).toFixed(0)} KiB)`);
    });
}
