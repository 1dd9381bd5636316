#!/usr/bin/env node
import { UserError } from "@siren-onnx/core";
import { Command, CommanderError } from "commander";
import { registerDevices } from "./commands/devices.ts";
import { registerExport } from "./commands/export.ts";
import { registerRender } from "./commands/render.ts";
import { registerServe } from "./commands/serve.ts";
import { registerStudy } from "./commands/study.ts";
import { registerTrain } from "./commands/train.ts";

// `pnpm siren` runs in the repository root; paths the user typed are relative to where they typed them.
if (process.env.INIT_CWD && process.env.INIT_CWD !== process.cwd()) process.chdir(process.env.INIT_CWD);

const program = new Command("siren")
  .description("Train, export, render and view implicit neural representations of images")
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

registerTrain(program);
registerExport(program);
registerRender(program);
registerServe(program);
registerStudy(program);
registerDevices(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exit(err.exitCode);
  }
  // Known input problems print one line; anything else is a bug and keeps its stack for a report.
  if (err instanceof UserError || (err instanceof Error && process.env.SIREN_DEBUG !== "1")) {
    console.error(`error: ${(err as Error).message}`);
    process.exit(err instanceof UserError ? 2 : 1);
  }
  throw err;
}
