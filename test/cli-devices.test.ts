/**
 * `--device` and `siren devices` as a user meets them: the WebGPU listing and smoke run on
 * Chromium's SwiftShader, auto refusing a software adapter, and one-line errors that name what
 * is missing. Each command runs as its own process with the Vulkan variables in its environment.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../packages/trainer/test/helpers.ts";
import { errorLines, runCli } from "./support/cli.ts";
import { softwareVulkanEnv, webgpuSkipReason } from "./support/vulkan.ts";

const skip = webgpuSkipReason();
if (skip) console.warn(`WebGPU CLI tests skipped: ${skip}`);

function expectOneLineError(r: { code: number | null; stderr: string }, message: RegExp) {
  expect(r.code).not.toBe(0);
  const lines = errorLines(r.stderr);
  expect(lines.filter((l) => l.startsWith("error"))).toHaveLength(1);
  expect(lines.filter((l) => /^\s+at /.test(l))).toEqual([]);
  expect(lines.join("\n")).toMatch(message);
}

describe("device errors", () => {
  it("rejects an unknown --device of render in one line", async () => {
    const dir = await tempDir();
    const r = await runCli(["render", "models/siren.onnx", "-o", join(dir, "x.png"), "--device", "tpu"]);
    expectOneLineError(r, /--device: expected cpu, cuda, webgpu or auto, got "tpu"/);
  });

  it("names a Vulkan driver manifest that does not exist, for train and render", async () => {
    const dir = await tempDir();
    const env = { ...softwareVulkanEnv(), VK_ICD_FILENAMES: join(dir, "no-such-icd.json") };
    const message = new RegExp(
      `--device webgpu: no Vulkan driver: VK_ICD_FILENAMES names ${join(dir, "no-such-icd.json")}, which does not exist`,
    );
    const train = await runCli(
      ["train", "data/camera.png", "--size", "8", "--steps", "1", "--device", "webgpu", "--out", join(dir, "run")],
      { env },
    );
    expectOneLineError(train, message);
    expect(existsSync(join(dir, "run"))).toBe(false);
    const render = await runCli(["render", "models/siren.onnx", "-o", join(dir, "x.png"), "--device", "webgpu"], {
      env,
    });
    expectOneLineError(render, message);
    expect(existsSync(join(dir, "x.png"))).toBe(false);
  });

  it("says that --device webgpu is for the onnxruntime engine", async () => {
    const r = await runCli(["train", "data/camera.png", "--size", "8", "--engine", "tfjs", "--device", "webgpu"]);
    expectOneLineError(r, /--device webgpu is for --engine onnxruntime/);
  });
});

describe.skipIf(skip)(`WebGPU on SwiftShader from the CLI${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("auto never picks the software adapter: it renders on the CPU and says why", async () => {
    const dir = await tempDir();
    const out = join(dir, "auto.png");
    const r = await runCli(["render", "models/siren.onnx", "-o", out, "--width", "8", "--device", "auto"], {
      env: softwareVulkanEnv(),
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/device: auto chose cpu \(.*webgpu: only software Vulkan drivers \(Google SwiftShader\)/);
    expect(r.stdout).toMatch(/^wrote .* in [\d.]+ s$/m); // no "on webgpu"
    expect(existsSync(out)).toBe(true);
  });

  it("siren devices lists the providers and the adapter, and checks a WebGPU smoke run against the CPU", async () => {
    const r = await runCli(["devices"], { env: softwareVulkanEnv() });
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^onnxruntime-node 1\.30\.0: execution providers .*cpu.*webgpu/m);
    expect(out).toMatch(/^vulkan: loader \S*libvulkan\.so\.1$/m);
    expect(out).toMatch(
      /^vulkan: driver \/usr\/lib\/chromium\/vk_swiftshader_icd\.json \(VK_ICD_FILENAMES\): Google SwiftShader \(software\)/m,
    );
    expect(out).toMatch(/^cpu +onnxruntime \(cpu\): 10 steps: [\d.]+ ms\/step .*the reference$/m);
    expect(out).toMatch(/^cuda +not available: .*ONNXRUNTIME_NODE_INSTALL=cuda12/m);
    const webgpu =
      /^webgpu +SwiftShader Device.*software: slow.*: 10 steps: ([\d.]+) ms\/step .*parity with cpu: loss (\S+), weights (\S+): ok$/m.exec(
        out,
      );
    expect(webgpu, out).not.toBeNull();
    expect(Number(webgpu![2])).toBeLessThan(1e-4);
    expect(Number(webgpu![3])).toBeLessThan(1e-4);
    expect(out).toMatch(/^auto +chose cpu \(cuda: provider not installed; webgpu: only software Vulkan drivers/m);
  });
});
