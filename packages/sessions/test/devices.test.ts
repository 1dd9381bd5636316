/** Device names, the Vulkan setup as the loader reads it, session options and the WebGPU rewrite (no GPU needed). */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "@siren-onnx/core";
import { exportModelBytes } from "@siren-onnx/exporter";
import { Graph, graphToOnnx, webgpuCompatibleModel, withPolynomialTrig } from "@siren-onnx/onnx-graph";
import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { smallCheckpoint } from "../../../test/support/fixtures.ts";
import { parseDeviceName, vulkanSetup } from "../src/devices.ts";
import { sessionOptions } from "../src/sessions.ts";

describe("--device", () => {
  it("accepts cpu, cuda, webgpu and auto, and names the flag otherwise", () => {
    for (const d of ["cpu", "cuda", "webgpu", "auto"]) expect(parseDeviceName(d)).toBe(d);
    expect(() => parseDeviceName("gpu")).toThrow(UserError);
    expect(() => parseDeviceName("gpu")).toThrow('--device: expected cpu, cuda, webgpu or auto, got "gpu"');
  });
});

describe("vulkanSetup", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "siren-vulkan-"));
    const manifest = (library: string) =>
      JSON.stringify({ file_format_version: "1.0.0", ICD: { library_path: library } });
    await writeFile(join(dir, "libvk_swiftshader.so"), "");
    await writeFile(join(dir, "libvulkan_radeon.so"), "");
    await writeFile(join(dir, "swiftshader_icd.json"), manifest("./libvk_swiftshader.so"));
    await writeFile(join(dir, "radeon_icd.json"), manifest(join(dir, "libvulkan_radeon.so")));
    await writeFile(join(dir, "nvidia_icd.json"), manifest("libGLX_nvidia_not_here.so.0"));
    await writeFile(join(dir, "broken.json"), "{ not json");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads the manifests VK_ICD_FILENAMES names (files and folders) and tells software drivers from hardware", () => {
    const setup = vulkanSetup({ VK_ICD_FILENAMES: `${dir}:${join(dir, "gone.json")}` });
    expect(setup.fromEnv).toBe("VK_ICD_FILENAMES");
    expect(setup.missing).toEqual([join(dir, "gone.json")]);
    const byName = Object.fromEntries(setup.drivers.map((d) => [d.manifest.replace(`${dir}/`, ""), d]));
    expect(Object.keys(byName).sort()).toEqual(["nvidia_icd.json", "radeon_icd.json", "swiftshader_icd.json"]);
    expect(byName["swiftshader_icd.json"]).toMatchObject({
      software: true,
      libraryFound: true,
      vendor: "Google SwiftShader",
    });
    expect(byName["radeon_icd.json"]).toMatchObject({ software: false, libraryFound: true, vendor: "AMD" });
    expect(byName["nvidia_icd.json"]).toMatchObject({ software: false, libraryFound: false, vendor: "NVIDIA" });
  });

  it("prefers VK_DRIVER_FILES, and searches XDG_DATA_DIRS when no variable is set", () => {
    const chosen = vulkanSetup({ VK_DRIVER_FILES: join(dir, "radeon_icd.json"), VK_ICD_FILENAMES: dir });
    expect(chosen.fromEnv).toBe("VK_DRIVER_FILES");
    expect(chosen.drivers.map((d) => d.vendor)).toEqual(["AMD"]);
    const searched = vulkanSetup({ XDG_DATA_DIRS: join(dir, "share"), XDG_CONFIG_DIRS: join(dir, "etc"), HOME: dir });
    expect(searched.fromEnv).toBeUndefined();
    expect(searched.searched).toContain(join(dir, "share", "vulkan/icd.d"));
  });
});

describe("session options", () => {
  it("are the same for every caller, with GPU-resident outputs only on WebGPU", () => {
    expect(sessionOptions("cpu", { threads: 3 })).toMatchObject({
      executionProviders: ["cpu"],
      intraOpNumThreads: 3,
      graphOptimizationLevel: "all",
    });
    expect(sessionOptions("cpu", { deviceOutputs: ["a"] }).preferredOutputLocation).toBeUndefined();
    expect(sessionOptions("cuda").executionProviders).toEqual(["cuda", "cpu"]);
    const webgpu = sessionOptions("webgpu", { deviceOutputs: ["next.w", "next.b"] });
    expect(webgpu.executionProviders).toEqual(["webgpu", "cpu"]);
    expect(webgpu.preferredOutputLocation).toEqual({ "next.w": "gpu-buffer", "next.b": "gpu-buffer" });
  });
});

describe("subnormal floats", () => {
  it("are flushed to zero by the CPU sessions' threads (the option reaches onnxruntime)", async () => {
    const g = new Graph("subnormal");
    const x = g.input("x", [-1]);
    g.output(g.node("Mul", [x, x], [-1]), "y");
    const bytes = graphToOnnx(g.prune());
    const n = 1 << 20;
    // 1e-20 squared is 1e-40, below float32's smallest normal number (1.2e-38).
    const feeds = { x: new ort.Tensor("float32", new Float32Array(n).fill(1e-20), [n]) };
    const zeros = async (options: ort.InferenceSession.SessionOptions) => {
      const session = await ort.InferenceSession.create(bytes, options);
      const y = (await session.run(feeds)).y.data as Float32Array;
      await session.release();
      return y.filter((v) => v === 0).length;
    };
    const { extra, ...without } = sessionOptions("cpu", { threads: 4 });
    expect(extra).toBeDefined();
    expect(await zeros(without)).toBe(0);
    // The pool's threads flush; the thread that calls run() is Node's and keeps its own setting.
    // How the work is split between them depends on the load (exactly half was seen in CI), so
    // any flushed value shows that the option reached onnxruntime.
    expect(await zeros(sessionOptions("cpu", { threads: 4 }))).toBeGreaterThan(0);
  });
});

describe("webgpuCompatibleModel", () => {
  const model = () => {
    const g = new Graph("round-sign");
    const x = g.input("x", [-1]);
    g.output(g.node("Round", [x], [-1]), "round");
    g.output(g.node("Sign", [x], [-1]), "sign");
    g.output(g.node("Abs", [x], [-1]), "abs");
    return graphToOnnx(g.prune());
  };

  it("leaves no Round or Sign node and computes the same values (ties to even included)", async () => {
    const rewritten = webgpuCompatibleModel(model());
    const ops = onnxProto.onnx.ModelProto.decode(rewritten).graph?.node?.map((n) => n.opType) ?? [];
    expect(ops).not.toContain("Round");
    expect(ops).not.toContain("Sign");
    expect(ops).toContain("Clip");
    const xs = Float32Array.from([
      -2.5, -1.5, -0.5, 0, 0.5, 1.5, 2.5, 3.5, 0.49999997, -0.49999997, 2.4999998, 1e-20, -1e-20, 4194303.5, -4194303.5,
      123.456, -98765.4321, 1e30, -1e30,
    ]);
    const run = async (bytes: Uint8Array) => {
      const s = await ort.InferenceSession.create(bytes, sessionOptions("cpu"));
      try {
        return await s.run({ x: new ort.Tensor("float32", xs, [xs.length]) });
      } finally {
        await s.release();
      }
    };
    const [a, b] = [await run(model()), await run(rewritten)];
    for (const name of ["sign", "abs"])
      expect(Array.from(b[name].data as Float32Array)).toEqual(Array.from(a[name].data as Float32Array));
    // Round is exact up to |x| = 2^22 (beyond it, 1e30 here, any float is already an integer); the
    // rewrite gives +0 where Round gives -0, which compares equal.
    const [r0, r1] = [a.round.data as Float32Array, b.round.data as Float32Array];
    expect(Array.from(r1.subarray(0, -2), (v, i) => v === r0[i])).toEqual(Array(xs.length - 2).fill(true));
    expect(Array.from(r1.subarray(0, 7))).toEqual([-2, -2, 0, 0, 0, 2, 2]);
  });

  it("returns a model without Round or Sign unchanged", () => {
    const g = new Graph("abs");
    g.output(g.node("Abs", [g.input("x", [2])], [2]), "y");
    const bytes = graphToOnnx(g.prune());
    expect(webgpuCompatibleModel(bytes)).toBe(bytes);
  });
});

describe("withPolynomialTrig", () => {
  it("re-serialises an exported model's Sin and Cos with lowerTrig, with the same outputs", async () => {
    const ckpt = smallCheckpoint("sine", { channels: 3 });
    const native = exportModelBytes(ckpt, { derivatives: true, trig: "native" });
    const lowered = withPolynomialTrig(native);
    const ops = (bytes: Uint8Array) => onnxProto.onnx.ModelProto.decode(bytes).graph?.node?.map((n) => n.opType) ?? [];
    expect(ops(native)).toContain("Sin");
    expect(ops(lowered)).not.toContain("Sin");
    expect(ops(lowered)).not.toContain("Cos");
    expect(ops(lowered)).toContain("Round");
    const points = Float32Array.from({ length: 2 * 64 }, (_, i) => Math.sin(i * 1.7) * 3);
    const run = async (bytes: Uint8Array) => {
      const s = await ort.InferenceSession.create(bytes, sessionOptions("cpu"));
      try {
        return await s.run({ coords: new ort.Tensor("float32", points, [64, 2]) });
      } finally {
        await s.release();
      }
    };
    const [a, b] = [await run(native), await run(lowered)];
    expect(Object.keys(b).sort()).toEqual(["gradient", "image", "laplacian"]);
    for (const name of ["image", "gradient", "laplacian"]) {
      const [x, y] = [a[name].data as Float32Array, b[name].data as Float32Array];
      expect(y.length).toBe(x.length);
      const scale = Math.max(...x.map(Math.abs));
      const diff = Math.max(...x.map((v, i) => Math.abs(v - y[i])));
      expect(diff / scale).toBeLessThan(2e-6);
    }
  });

  it("returns a model without Sin or Cos unchanged", () => {
    const bytes = exportModelBytes(smallCheckpoint("relu"), { derivatives: false });
    expect(withPolynomialTrig(bytes)).toBe(bytes);
  });
});
