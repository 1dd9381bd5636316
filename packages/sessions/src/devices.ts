/**
 * Where onnxruntime runs: `cpu`; `cuda` (onnxruntime-node's CUDA provider, a separate download);
 * `webgpu` (bundled with onnxruntime-node: Dawn, on Vulkan under Linux); or `auto`, which takes
 * CUDA when it works, then a hardware WebGPU adapter, then the CPU, and never a software adapter.
 *
 * onnxruntime-node has no API for the WebGPU adapter, so adapters are probed in a child process
 * (which also keeps Dawn's and the Vulkan loader's stderr messages out of this one): it creates
 * a tiny WebGPU session with the Vulkan loader's driver log on, whose `Using "<device>" with
 * driver: "<library>"` line names the physical device Dawn opened. The Vulkan environment that
 * worked is then set in this process before its first WebGPU session (the loader reads it then).
 */

import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir, tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { UserError } from "@siren-onnx/core";
import { Graph, graphToOnnx } from "@siren-onnx/onnx-graph";
import * as ort from "onnxruntime-node";

export const DEVICE_NAMES = ["cpu", "cuda", "webgpu", "auto"] as const;
export type DeviceName = (typeof DEVICE_NAMES)[number];
/** A device that sessions run on (`auto` resolved). */
export type DeviceKind = Exclude<DeviceName, "auto">;

export function parseDeviceName(text: string, flag = "--device"): DeviceName {
  if (!(DEVICE_NAMES as readonly string[]).includes(text)) {
    throw new UserError(`${flag}: expected cpu, cuda, webgpu or auto, got "${text}"`);
  }
  return text as DeviceName;
}

/** A WebGPU adapter, as the Vulkan loader names its physical device. */
export interface Adapter {
  /** e.g. "NVIDIA H200" or "SwiftShader Device (Subzero)". */
  name: string;
  vendor: string;
  /** A CPU implementation of Vulkan (SwiftShader, llvmpipe): correct, but far slower than a GPU. */
  software: boolean;
  /** The Vulkan driver library that serves it. */
  driver: string;
}

export interface Device {
  kind: DeviceKind;
  /** The WebGPU adapter (known on Linux). */
  adapter?: Adapter;
  /** e.g. "cpu", "cuda", "webgpu: NVIDIA H200 (NVIDIA, hardware)". */
  description: string;
}

export const CPU_DEVICE: Device = { kind: "cpu", description: "cpu" };

// ---------------------------------------------------------------------------------------------
// The Vulkan setup, read the way the Vulkan loader reads it (Linux).

/** A Vulkan driver (ICD) manifest and what its library looks like. */
export interface VulkanDriver {
  manifest: string;
  /** library_path as written in the manifest. */
  library: string;
  /** Whether the library file can be found (an absolute or relative path, or a name in the library path). */
  libraryFound: boolean;
  /** e.g. "NVIDIA", "SwiftShader (software)". */
  label: string;
  vendor: string;
  software: boolean;
}

export interface VulkanSetup {
  /** Where libvulkan.so.1 is, if anywhere. */
  loader?: string;
  /** The environment variable that chose the manifests (VK_DRIVER_FILES or VK_ICD_FILENAMES), if any. */
  fromEnv?: string;
  /** Manifests that variable names but that do not exist. */
  missing: string[];
  drivers: VulkanDriver[];
  /** The folders searched when no variable is set. */
  searched: string[];
}

/** Known Vulkan drivers by library name: vendor and whether it is a CPU implementation. */
const DRIVER_NAMES: Array<[RegExp, string, boolean]> = [
  [/swiftshader/i, "Google SwiftShader", true],
  [/lvp|lavapipe/i, "Mesa lavapipe", true],
  [/nvidia/i, "NVIDIA", false],
  [/radeon|amdvlk|amdgpu/i, "AMD", false],
  [/intel/i, "Intel", false],
  [/freedreno|turnip/i, "Qualcomm", false],
  [/panfrost|mali/i, "Arm", false],
  [/broadcom/i, "Broadcom", false],
  [/asahi/i, "Apple", false],
  [/powervr/i, "Imagination", false],
  [/virtio/i, "virtio-gpu", false],
  [/nouveau|nvk/i, "NVIDIA (nouveau)", false],
];

function classify(text: string): { vendor: string; software: boolean } {
  for (const [pattern, vendor, software] of DRIVER_NAMES) if (pattern.test(text)) return { vendor, software };
  return { vendor: "unknown", software: /llvmpipe|software|cpu/i.test(text) };
}

/** The folders the dynamic linker searches: LD_LIBRARY_PATH, /etc/ld.so.conf (with includes), the defaults. */
function libraryDirs(env: NodeJS.ProcessEnv): string[] {
  const dirs = (env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean);
  const readConf = (file: string, depth = 0) => {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return;
    }
    for (const raw of text.split("\n")) {
      const line = raw.replace(/#.*/, "").trim();
      if (!line) continue;
      const include = /^include\s+(.+)$/.exec(line);
      if (!include) {
        dirs.push(line);
        continue;
      }
      if (depth > 4) continue;
      const pattern = include[1].trim();
      const dir = dirname(pattern);
      const suffix = basename(pattern).replace(/^\*/, "");
      const names = (() => {
        try {
          return readdirSync(dir);
        } catch {
          return [];
        }
      })();
      for (const name of names.sort()) if (name.endsWith(suffix)) readConf(join(dir, name), depth + 1);
    }
  };
  readConf("/etc/ld.so.conf");
  const arch = process.arch === "x64" ? "x86_64" : process.arch === "arm64" ? "aarch64" : process.arch;
  dirs.push(`/lib/${arch}-linux-gnu`, `/usr/lib/${arch}-linux-gnu`, "/lib64", "/usr/lib64", "/lib", "/usr/lib");
  return [...new Set(dirs)];
}

function findLibrary(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of libraryDirs(env)) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function manifestFiles(entry: string): string[] {
  try {
    if (statSync(entry).isDirectory()) {
      return readdirSync(entry)
        .filter((n) => n.endsWith(".json"))
        .sort()
        .map((n) => join(entry, n));
    }
  } catch {
    return [];
  }
  return [entry];
}

function readDriver(manifest: string, env: NodeJS.ProcessEnv): VulkanDriver | undefined {
  let library: string;
  try {
    const json = JSON.parse(readFileSync(manifest, "utf8")) as { ICD?: { library_path?: unknown } };
    if (typeof json.ICD?.library_path !== "string") return undefined;
    library = json.ICD.library_path;
  } catch {
    return undefined;
  }
  // As the loader does: a path with a slash is relative to the manifest, a bare name goes to dlopen.
  const libraryFound = library.includes("/")
    ? isFile(isAbsolute(library) ? library : resolve(dirname(manifest), library))
    : findLibrary(library, env) !== undefined;
  const { vendor, software } = classify(`${library} ${basename(manifest)}`);
  const label = vendor === "unknown" ? basename(library) : software ? `${vendor} (software)` : vendor;
  return { manifest, library, libraryFound, label, vendor, software };
}

/** The Vulkan loader and the driver manifests it would load with this environment. */
export function vulkanSetup(env: NodeJS.ProcessEnv = process.env): VulkanSetup {
  const loader = findLibrary("libvulkan.so.1", env);
  const fromEnv = env.VK_DRIVER_FILES ? "VK_DRIVER_FILES" : env.VK_ICD_FILENAMES ? "VK_ICD_FILENAMES" : undefined;
  const missing: string[] = [];
  let manifests: string[] = [];
  let searched: string[] = [];
  if (fromEnv) {
    for (const entry of (env[fromEnv] ?? "").split(":").filter(Boolean)) {
      if (!existsSync(entry)) missing.push(entry);
      else manifests.push(...manifestFiles(entry));
    }
  } else {
    const home = homedir();
    const configHome = env.XDG_CONFIG_HOME || join(home, ".config");
    const dataHome = env.XDG_DATA_HOME || join(home, ".local/share");
    const configDirs = (env.XDG_CONFIG_DIRS || "/etc/xdg").split(":");
    const dataDirs = (env.XDG_DATA_DIRS || "/usr/local/share:/usr/share").split(":");
    searched = [configHome, ...configDirs, "/etc", dataHome, ...dataDirs].map((d) => join(d, "vulkan/icd.d"));
    for (const dir of searched) manifests.push(...manifestFiles(dir));
    for (const entry of (env.VK_ADD_DRIVER_FILES ?? "").split(":").filter(Boolean))
      manifests.push(...manifestFiles(entry));
  }
  manifests = [...new Set(manifests)];
  const drivers = manifests.map((m) => readDriver(m, env)).filter((d): d is VulkanDriver => d !== undefined);
  return { loader, fromEnv, missing, drivers, searched };
}

// ---------------------------------------------------------------------------------------------
// Probing in a child process.

const ortRequire = createRequire(import.meta.url);

/** The folder of onnxruntime-node's native binaries for this platform. */
export function onnxruntimeBinaryDir(): string {
  const pkg = dirname(dirname(ortRequire.resolve("onnxruntime-node")));
  return join(pkg, "bin", "napi-v6", process.platform, process.arch);
}

/** onnxruntime-node's CUDA provider is downloaded by its install script (ONNXRUNTIME_NODE_INSTALL=cuda12). */
export function cudaProviderInstalled(): boolean {
  const name = process.platform === "win32" ? "onnxruntime_providers_cuda.dll" : "libonnxruntime_providers_cuda.so";
  return existsSync(join(onnxruntimeBinaryDir(), name));
}

/** onnxruntime-node's version and the execution providers its build knows. */
export function onnxruntimeInfo(): { version: string; providers: string[] } {
  return { version: ort.env.versions.node ?? "", providers: ort.listSupportedBackends().map((b) => b.name) };
}

export function webgpuBundled(): boolean {
  return ort.listSupportedBackends().some((b) => b.name === "webgpu");
}

export const CUDA_HINT =
  "onnxruntime-node was installed without its CUDA provider; reinstall it with ONNXRUNTIME_NODE_INSTALL=cuda12 on a machine with an NVIDIA GPU and CUDA 12 (see README, GPU)";

/** What a probe found. */
export interface ProbeResult {
  ok: boolean;
  /** The physical device Dawn opened (webgpu on Linux). */
  adapter?: Adapter;
  /** onnxruntime's error, first line, when not ok. */
  error?: string;
  /** The native libraries' own complaints (Vulkan loader, Dawn), deduplicated. */
  diagnostics: string[];
}

const PROBE_SCRIPT = `
const ort = require(process.env.SIREN_PROBE_ORT);
const bytes = Buffer.from(process.env.SIREN_PROBE_MODEL, "base64");
(async () => {
  try {
    const s = await ort.InferenceSession.create(bytes, { executionProviders: [process.env.SIREN_PROBE_EP] });
    const x = new ort.Tensor("float32", Float32Array.of(1, 2, 3, 4), [4]);
    const y = (await s.run({ x })).y.data;
    if (y[3] !== 5) throw new Error("wrong result " + Array.from(y));
    process.stdout.write("SIREN_PROBE_OK\\n");
  } catch (e) {
    process.stdout.write("SIREN_PROBE_ERROR " + String((e && e.message) || e).split("\\n")[0] + "\\n");
  }
})();
`;

function probeModel(): string {
  const g = new Graph("probe");
  const x = g.input("x", [4]);
  g.output(g.node("Add", [x, g.scalar(1)], [4]), "y");
  return Buffer.from(graphToOnnx(g.prune())).toString("base64");
}

/** Shortens onnxruntime's "…/webgpu_context.cc:136 … was false. Failed to get a WebGPU adapter: …" to its message. */
function ortMessage(text: string): string {
  const m = / was false\. (.*)$/.exec(text);
  return (m ? m[1] : text.replace(/^\S*\/onnxruntime_src\/\S+\s+/, "")).trim();
}

const NOISE = /^(\s+at |\s*$|\s*-\s*While|DRIVER:|INFO|DEBUG|LAYER|WARNING \| LAYER)/;

/** Runs a tiny session on `ep` in a child process with `env`. */
export function probe(ep: "webgpu" | "cuda", env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<ProbeResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ["-e", PROBE_SCRIPT], {
      env: {
        ...env,
        VK_LOADER_DEBUG: "driver",
        SIREN_PROBE_ORT: ortRequire.resolve("onnxruntime-node"),
        SIREN_PROBE_MODEL: probeModel(),
        SIREN_PROBE_EP: ep,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const finish = (error?: string) => {
      clearTimeout(timer);
      const using = /Using "([^"]+)" with driver: "([^"]+)"/.exec(stderr);
      const adapter = using ? toAdapter(using[1], using[2]) : undefined;
      const diagnostics = [
        ...new Set(
          stderr
            .split("\n")
            .filter((l) => !NOISE.test(l))
            .map((l) =>
              l
                .replace(/^(Warning|Error|error):\s*/, "")
                .replace(/^Loader Message:\s*/, "")
                .replace(/^\w+:\s+/, "")
                .trim(),
            )
            .filter((l) => l.split(/\s+/).length >= 3),
        ),
      ].slice(0, 4);
      const ok = stdout.includes("SIREN_PROBE_OK") && !error;
      const failure = /SIREN_PROBE_ERROR (.*)/.exec(stdout)?.[1];
      done({
        ok,
        adapter,
        error: ok ? undefined : ortMessage(failure ?? error ?? "the probe process failed"),
        diagnostics,
      });
    };
    child.on("error", (err) => finish(err.message));
    child.on("close", (code, signal) =>
      finish(signal ? `the probe was stopped (${signal})` : code ? `the probe exited with code ${code}` : undefined),
    );
  });
}

function toAdapter(name: string, driver: string): Adapter {
  const { vendor, software } = classify(`${name} ${driver}`);
  return { name, vendor, software, driver };
}

export function describeAdapter(a: Adapter): string {
  return `${a.name} (${a.vendor}, ${a.software ? "software: slow" : "hardware"})`;
}

// ---------------------------------------------------------------------------------------------
// Choosing a device.

/** XDG_RUNTIME_DIR must name a writable folder, or the Vulkan stack prints errors on every session. */
function runtimeDir(env: NodeJS.ProcessEnv): string {
  const current = env.XDG_RUNTIME_DIR;
  if (current) {
    try {
      if (statSync(current).isDirectory()) {
        accessSync(current, constants.W_OK);
        return current;
      }
    } catch {
      // replaced below
    }
  }
  return mkdtempSync(join(tmpdir(), "siren-xdg-"));
}

/** Environments to try for WebGPU, best first: the hardware drivers alone, then everything configured. */
function webgpuCandidates(setup: VulkanSetup): Array<{ env: Record<string, string>; drivers: VulkanDriver[] }> {
  const usable = setup.drivers.filter((d) => d.libraryFound);
  const hardware = usable.filter((d) => !d.software);
  const list = (ds: VulkanDriver[]) => ds.map((d) => d.manifest).join(":");
  const only = (ds: VulkanDriver[]) => ({
    env: { VK_DRIVER_FILES: list(ds), VK_ICD_FILENAMES: list(ds) },
    drivers: ds,
  });
  const candidates = [];
  if (hardware.length > 0) candidates.push(only(hardware));
  if (usable.length > hardware.length) candidates.push(only(usable));
  return candidates;
}

function setupProblem(setup: VulkanSetup): string | undefined {
  if (!setup.loader) {
    return "the Vulkan loader libvulkan.so.1 was not found (install it, e.g. `apt-get install libvulkan1`)";
  }
  if (setup.drivers.length === 0 && setup.missing.length > 0) {
    return `no Vulkan driver: ${setup.fromEnv} names ${setup.missing.join(", ")}, which does not exist`;
  }
  if (setup.drivers.length === 0) {
    const where = setup.fromEnv ? `in ${setup.fromEnv}` : `in ${setup.searched.join(", ")}`;
    return (
      `no Vulkan driver (ICD manifest) found ${where}: install the GPU's Vulkan driver, or name one with ` +
      "VK_ICD_FILENAMES (a software one: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json; see README, WebGPU)"
    );
  }
  if (!setup.drivers.some((d) => d.libraryFound)) {
    return `no Vulkan driver library found: ${setup.drivers.map((d) => `${basename(d.manifest)} needs ${d.library}`).join(", ")}`;
  }
  return undefined;
}

export interface WebGpuChoice {
  device?: Device;
  /** Why there is none (one line). */
  problem?: string;
}

/**
 * Finds a WebGPU adapter: hardware drivers first; software ones only when `allowSoftware`.
 * On success the Vulkan environment that worked is set in this process.
 */
export async function findWebGpu(options: { allowSoftware: boolean }): Promise<WebGpuChoice> {
  if (!webgpuBundled()) return { problem: "this onnxruntime-node build has no WebGPU provider" };
  const env: NodeJS.ProcessEnv = { ...process.env };
  const apply = (extra: Record<string, string>) => {
    Object.assign(process.env, extra);
  };
  if (process.platform !== "linux") {
    // No Vulkan loader log to read the adapter from, so auto cannot tell a software adapter.
    if (!options.allowSoftware)
      return { problem: "the adapter cannot be read on this platform (ask for --device webgpu)" };
    const result = await probe("webgpu", env);
    if (!result.ok) return { problem: `no WebGPU adapter (${result.error})` };
    return { device: { kind: "webgpu", description: "webgpu (adapter not reported on this platform)" } };
  }
  const setup = vulkanSetup(env);
  const problem = setupProblem(setup);
  if (problem) return { problem };
  const xdg = { XDG_RUNTIME_DIR: runtimeDir(env) };
  const candidates = webgpuCandidates(setup).filter(
    (c) => options.allowSoftware || c.drivers.every((d) => !d.software),
  );
  if (candidates.length === 0) {
    return {
      problem: `only software Vulkan drivers (${setup.drivers.map((d) => d.vendor).join(", ")}), which auto never uses (ask for --device webgpu)`,
    };
  }
  const failures: string[] = [];
  for (const candidate of candidates) {
    const result = await probe("webgpu", { ...env, ...xdg, ...candidate.env });
    const adapter = result.adapter;
    if (result.ok && (options.allowSoftware || (adapter && !adapter.software))) {
      // The user's own VK_ICD_FILENAMES is kept when it is what worked.
      const everything = candidate.drivers.length === setup.drivers.length;
      apply({ ...xdg, ...(everything && setup.fromEnv ? {} : candidate.env) });
      return {
        device: {
          kind: "webgpu",
          adapter,
          description: `webgpu: ${adapter ? describeAdapter(adapter) : "adapter not reported"}`,
        },
      };
    }
    const names = candidate.drivers.map((d) => basename(d.manifest)).join(", ");
    const why = result.ok ? `only the software adapter ${adapter?.name}` : result.error;
    const native = result.diagnostics.filter((d) => !why?.includes(d)).slice(0, 2);
    failures.push(`${names}: ${why}${native.length ? ` (${native.join("; ")})` : ""}`);
  }
  return { problem: `no WebGPU adapter from the Vulkan drivers ${failures.join("; then ")}` };
}

const resolved = new Map<DeviceName, Promise<Device & { note?: string }>>();

/**
 * The device for a --device value, checked once per process: explicit choices fail with a
 * one-line UserError that names what is missing; `auto` falls back to the CPU and says why in `note`.
 */
export function resolveDevice(name: DeviceName = "cpu"): Promise<Device & { note?: string }> {
  let device = resolved.get(name);
  if (!device) {
    device = chooseDevice(name);
    resolved.set(name, device);
    device.catch(() => resolved.delete(name));
  }
  return device;
}

async function chooseDevice(name: DeviceName): Promise<Device & { note?: string }> {
  if (name === "cpu") return CPU_DEVICE;
  if (name === "cuda") {
    if (!cudaProviderInstalled()) throw new UserError(`--device cuda: ${CUDA_HINT}`);
    return { kind: "cuda", description: "cuda" };
  }
  if (name === "webgpu") {
    const choice = await findWebGpu({ allowSoftware: true });
    if (!choice.device) throw new UserError(`--device webgpu: ${choice.problem}`);
    return choice.device;
  }
  const skipped: string[] = [];
  if (cudaProviderInstalled()) {
    const cuda = await probe("cuda", process.env);
    if (cuda.ok) return { kind: "cuda", description: "cuda", note: "chose cuda" };
    skipped.push(`cuda: ${cuda.error}`);
  } else skipped.push("cuda: provider not installed");
  const webgpu = await findWebGpu({ allowSoftware: false });
  if (webgpu.device) return { ...webgpu.device, note: `chose ${webgpu.device.description}` };
  skipped.push(`webgpu: ${webgpu.problem}`);
  return { ...CPU_DEVICE, note: `chose cpu (${skipped.join("; ")})` };
}
