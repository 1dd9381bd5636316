/// <reference lib="webworker" />
import type { OnnxRuntime } from "@siren-onnx/trainer/browser";
import type * as Ort from "onnxruntime-web";
import type { TrainBackend } from "./train-protocol.ts";

/** onnxruntime-web as the trainer's engine runs it (its OnnxRuntime adapter for the train worker). */

export type OrtModule = typeof Ort;
type GpuAdapter = {
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
};
type GpuNavigator = { gpu?: { requestAdapter(): Promise<GpuAdapter | null> } };
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|software/i;
const scope = self as unknown as DedicatedWorkerGlobalScope;

/** onnxruntime-web's WebGPU build when asked for, or with "auto" on a hardware adapter; else its wasm build. */
export async function loadRuntime(
  backend: TrainBackend,
  wasmPaths: string,
): Promise<{ ort: OrtModule; webgpu: boolean }> {
  const gpu = (navigator as unknown as GpuNavigator).gpu;
  const adapter = backend === "wasm" || !gpu ? null : await gpu.requestAdapter().catch(() => null);
  if (backend === "webgpu" && !adapter) throw new Error("this browser offers no WebGPU adapter; choose wasm");
  const info = adapter?.info ?? {};
  const software =
    Boolean(info.isFallbackAdapter ?? adapter?.isFallbackAdapter) ||
    SOFTWARE_ADAPTER.test(`${info.vendor ?? ""} ${info.architecture ?? ""} ${info.description ?? ""}`);
  // "auto" never picks a software adapter (SwiftShader): wasm is faster than it.
  const webgpu = adapter !== null && (backend === "webgpu" || !software);
  const ort = webgpu ? await import("onnxruntime-web/webgpu") : await import("onnxruntime-web/wasm");
  ort.env.wasm.wasmPaths = wasmPaths;
  // Threads need cross-origin isolation (COOP/COEP headers, which `siren serve` sends).
  ort.env.wasm.numThreads = scope.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  ort.env.logLevel = "error";
  return { ort, webgpu };
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs calls into onnxruntime-web one at a time. The models train side by side, but WebGPU
 * refuses two session creations at once, and overlapping runs and downloads stall it.
 */
export function serial<T>(call: () => Promise<T>): Promise<T> {
  const result = queue.then(call);
  queue = result.catch(() => undefined);
  return result;
}

/** A session whose runs go through `serial`. */
export async function createSession(ort: OrtModule, bytes: Uint8Array, webgpu: boolean, deviceOutputs: string[] = []) {
  const session = await serial(() =>
    ort.InferenceSession.create(bytes, {
      executionProviders: [webgpu ? "webgpu" : "wasm"],
      graphOptimizationLevel: "all",
      ...(deviceOutputs.length > 0
        ? { preferredOutputLocation: Object.fromEntries(deviceOutputs.map((n) => [n, "gpu-buffer" as const])) }
        : {}),
    }),
  );
  return {
    run: (feeds: Record<string, Ort.Tensor>) => serial(() => session.run(feeds)),
    release: () => serial(() => session.release()),
  };
}

export function runtimeFor(ort: OrtModule, webgpu: boolean): OnnxRuntime {
  const threads = ort.env.wasm.numThreads ?? 1;
  return {
    tensor: (data, dims) => new ort.Tensor("float32", data, dims),
    createSession: (bytes, deviceOutputs) => createSession(ort, bytes, webgpu, deviceOutputs),
    download: (t) => serial(async () => (await (t as Ort.Tensor).getData()) as Float32Array),
    webgpu,
    // onnxruntime-web's wasm Sin is a scalar loop: the polynomial is faster there (exporter's TrigMode).
    polynomialTrig: true,
    description: `onnxruntime-web (${webgpu ? "webgpu" : `wasm, ${threads} thread${threads === 1 ? "" : "s"}`})`,
  };
}
