import { basename } from "node:path";
import { parsePositiveInt, UserError } from "@siren-onnx/core";
import {
  CUDA_HINT,
  cudaProviderInstalled,
  type Device,
  onnxruntimeInfo,
  resolveDevice,
  vulkanSetup,
} from "@siren-onnx/sessions";
import { compareSmokeRuns, SMOKE_RUN, SMOKE_TOLERANCE, type SmokeRun, smokeRun } from "@siren-onnx/trainer";
import type { Command } from "commander";

const pad = (s: string) => s.padEnd(8);
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toPrecision(2));

function smokeLine(run: SmokeRun): string {
  return `${SMOKE_RUN.steps} steps: ${ms(run.msPerStep)} ms/step (first step ${ms(run.firstStepMs)} ms)`;
}

export function registerDevices(program: Command): void {
  program
    .command("devices")
    .description("list the devices onnxruntime can train and render on, with a smoke run and CPU parity check on each")
    .option("--threads <n>", "CPU threads of onnxruntime (default: all cores)")
    .action(async (opts: { threads?: string }) => {
      const threads = opts.threads === undefined ? undefined : parsePositiveInt(opts.threads, "--threads", 256);
      if (!(await listDevices({ threads }))) process.exitCode = 1;
    });
}

/**
 * `siren devices`: what onnxruntime can run on here, and a ten-step training smoke run on each
 * usable device, checked against the CPU. Returns false when a device disagrees with the CPU.
 */
export async function listDevices(options: { threads?: number } = {}): Promise<boolean> {
  const { threads } = options;
  const info = onnxruntimeInfo();
  console.log(`onnxruntime-node ${info.version}: execution providers ${info.providers.join(", ")}`);
  console.log(
    `smoke run: ${SMOKE_RUN.steps} Adam steps, SIREN 2->${SMOKE_RUN.hiddenLayers}x${SMOKE_RUN.width}->1 on a ` +
      `${SMOKE_RUN.side}x${SMOKE_RUN.side} image; parity with cpu: loss within ${SMOKE_TOLERANCE.loss} relative, ` +
      `weights within ${SMOKE_TOLERANCE.weights}`,
  );
  if (process.platform === "linux") {
    const setup = vulkanSetup();
    console.log(`vulkan: loader ${setup.loader ?? "libvulkan.so.1 not found (apt-get install libvulkan1)"}`);
    const from = setup.fromEnv ? ` (${setup.fromEnv})` : "";
    if (setup.drivers.length === 0) console.log(`vulkan: no driver manifests${from}`);
    for (const d of setup.drivers) {
      const lib = d.libraryFound ? d.library : `${d.library} (library not found)`;
      console.log(`vulkan: driver ${d.manifest}${from}: ${d.label}, ${basename(lib)}`);
    }
    for (const m of setup.missing) console.log(`vulkan: ${setup.fromEnv} names ${m}, which does not exist`);
  }

  const cpu = await smokeRun("cpu", { threads });
  console.log(`${pad("cpu")}${cpu.description}: ${smokeLine(cpu)}; the reference`);
  let failed = false;
  const check = async (name: string, device: Device) => {
    const run = await smokeRun(name, { threads });
    const parity = compareSmokeRuns(run, cpu);
    failed ||= !parity.ok;
    console.log(
      `${pad(name)}${device.description.replace(/^webgpu: /, "")}: ${smokeLine(run)}; parity with cpu: loss ${parity.loss.toExponential(1)}, ` +
        `weights ${parity.weights.toExponential(1)}: ${parity.ok ? "ok" : "MISMATCH"}`,
    );
  };

  if (!cudaProviderInstalled()) console.log(`${pad("cuda")}not available: ${CUDA_HINT}`);
  else {
    try {
      await check("cuda", await resolveDevice("cuda"));
    } catch (err) {
      failed = true;
      console.log(`${pad("cuda")}failed: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  // auto first: it only looks at hardware adapters; --device webgpu takes a software one too.
  const auto = await resolveDevice("auto");
  let webgpu: Device | undefined;
  try {
    webgpu = await resolveDevice("webgpu");
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    console.log(`${pad("webgpu")}not available: ${err.message.replace(/^--device webgpu: /, "")}`);
  }
  if (webgpu) {
    try {
      await check("webgpu", webgpu);
    } catch (err) {
      failed = true;
      console.log(`${pad("webgpu")}failed: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  console.log(`auto    ${auto.note ?? auto.description}`);
  return !failed;
}
