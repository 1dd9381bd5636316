/**
 * `pnpm demo [--port 3000] [--host 127.0.0.1]`: makes sure the sample models are in models/
 * (training them the first time, a few minutes), starts the viewer server on them and prints
 * the URL.
 */
import { parseArgs } from "node:util";
import { UserError } from "@siren-onnx/core";
import { startServer } from "@siren-onnx/viewer";
import { makeSampleModels, SAMPLE_SETTINGS, samplesPresent } from "./sample-models.ts";

const MODELS = "models";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: "string", default: "3000" }, host: { type: "string", default: "127.0.0.1" } },
  });
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535)
    throw new UserError(`--port: expected 0..65535, got "${values.port}"`);
  if (!(await samplesPresent(MODELS))) {
    console.log(`training the sample models of ${SAMPLE_SETTINGS.image} into ${MODELS}/ (once, a few minutes)...`);
    await makeSampleModels({ out: MODELS, force: false, steps: SAMPLE_SETTINGS.steps });
  }
  const server = await startServer({ modelsDir: MODELS, port, host: values.host });
  console.log(`\nsiren viewer: ${server.url}`);
  console.log(`  SIREN vs the baselines: ${server.url}?model=siren,relu,tanh,sigmoid&output=image`);
  console.log(`  the Laplacian, zoomed out: ${server.url}?model=siren,relu-pe&output=laplacian&region=-2,-2,2,2`);
  console.log("Ctrl-C stops it.");
  await new Promise<void>((done) => process.once("SIGINT", () => void server.close().then(done)));
}

main().catch((err: Error) => {
  console.error(`error: ${err.message}`);
  process.exit(err instanceof UserError ? 2 : 1);
});
