import { formatRegion, parsePositiveInt, RENDER_OUTPUTS } from "@siren-onnx/core";
import { Progress } from "@siren-onnx/core/node";
import {
  DEFAULT_TILE_POINTS,
  defaultRenderSize,
  loadRenderModel,
  MAX_RENDER_PIXELS,
  MAX_RENDER_SIDE,
  renderFormat,
  renderToFile,
  validateRenderRequest,
} from "@siren-onnx/renderer";
import type { Command } from "commander";
import { DEVICE_HELP, deviceOption } from "../device-option.ts";

interface RenderFlags {
  out: string;
  width?: string;
  height?: string;
  region?: string;
  output: string;
  format?: string;
  force?: boolean;
  device: string;
  threads?: string;
}

export function registerRender(program: Command): void {
  program
    .command("render")
    .description("render an exported model at any resolution, over any region (PNG picture or raw values)")
    .argument("<model>", "an exported .onnx model (derivatives come from <name>.deriv.onnx beside it)")
    .requiredOption("-o, --out <file>", "output file: .png, .npy or .json")
    .option("--width <px>", `width in pixels, at most ${MAX_RENDER_SIDE} (default: the training width, else 512)`)
    .option("--height <px>", `height in pixels, at most ${MAX_RENDER_SIDE} (default: the training height, else 512)`)
    .option(
      "--region <x0,y0,x1,y1>",
      "coordinates of the corner pixel centres (default: the training domain -1,-1,1,1)",
    )
    .option("--output <name>", `what to show: ${RENDER_OUTPUTS.join(", ")}`, "image")
    .option("--format <format>", "png, npy or json (default: from the file extension, else png)")
    .option("--force", "overwrite an existing output file")
    .option("--device <name>", DEVICE_HELP, "cpu")
    .option("--threads <n>", "CPU threads of onnxruntime (default: all cores)")
    .addHelpText("after", `\nRenders are limited to ${MAX_RENDER_PIXELS / 2 ** 20} megapixels (e.g. 8192 x 8192).`)
    .action(async (modelPath: string, opts: RenderFlags) => {
      const format = renderFormat(opts.out, opts.format);
      const threads = opts.threads === undefined ? undefined : parsePositiveInt(opts.threads, "--threads", 256);
      const device = await deviceOption(opts.device);
      const model = await loadRenderModel(modelPath, { device, threads });
      try {
        const size = defaultRenderSize(model.metadata, opts.width, opts.height);
        const request = validateRenderRequest({ ...size, region: opts.region, output: opts.output });
        const points = request.width * request.height;
        const progress = points > DEFAULT_TILE_POINTS ? new Progress(`render ${request.output}`, points) : undefined;
        const started = performance.now();
        const result = await renderToFile(
          model,
          { ...request, onProgress: (done) => progress?.update(done) },
          { path: opts.out, format, force: opts.force },
        );
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        console.log(
          `wrote ${opts.out} (${result.format}, ${request.width} x ${request.height}, ${request.output}, region ${formatRegion(request.region)}) in ${seconds} s${device.kind === "cpu" ? "" : ` on ${device.description}`}`,
        );
        if (result.normalisation) console.log(`normalisation: ${result.normalisation}`);
      } finally {
        await model.dispose();
      }
    });
}
