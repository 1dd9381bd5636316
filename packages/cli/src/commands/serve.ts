import { UserError } from "@siren-onnx/core";
import { MAX_SERVER_RENDER_PIXELS, startServer } from "@siren-onnx/viewer";
import type { Command } from "commander";
import { DEVICE_HELP, deviceOption } from "../device-option.ts";

interface ServeFlags {
  models: string;
  port: string;
  host: string;
  device: string;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || port > 65535) {
    throw new UserError(`--port: expected a port number 0..65535 (0 picks a free one), got "${text}"`);
  }
  return port;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve the web viewer, the exported models and PNG renders over HTTP")
    .option("--models <dir>", "folder of exported models (<name>.onnx and <name>.deriv.onnx)", "models")
    .option("--port <port>", "TCP port (0 picks a free one)", "3000")
    .option("--host <host>", "address to listen on; 0.0.0.0 exposes the server to the network", "127.0.0.1")
    .option("--device <name>", `where /api/render runs: ${DEVICE_HELP}`, "cpu")
    .addHelpText(
      "after",
      [
        "",
        "Endpoints:",
        "  /                   the viewer (zoom, pan, derivatives, side-by-side comparison)",
        "  GET  /api/models    the models and their metadata (JSON)",
        "  GET  /models/<file> the .onnx files, for onnxruntime in any language",
        `  GET  /api/render?model=&output=&width=&height=&region=   a PNG (at most ${MAX_SERVER_RENDER_PIXELS / 2 ** 20} megapixels)`,
        "  POST /api/models/reload   re-read the models folder (it is also watched)",
      ].join("\n"),
    )
    .action(async (opts: ServeFlags) => {
      const port = parsePort(opts.port);
      const device = await deviceOption(opts.device);
      const server = await startServer({ modelsDir: opts.models, port, host: opts.host, device });
      console.log(`siren viewer: ${server.url}  (Ctrl-C stops it)`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void server.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
