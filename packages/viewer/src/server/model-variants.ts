import { readFile } from "node:fs/promises";
import { webgpuCompatibleModel, withPolynomialTrig } from "@siren-onnx/onnx-graph";

/**
 * The model files as the browser runs them. onnxruntime-web's wasm Sin is a scalar loop and
 * WebGPU's native sin is only ~2e-4 accurate, while onnxruntime-node's CPU Sin is faster than
 * any polynomial of element-wise passes: so exported files keep Sin/Cos, and the page asks for
 * `?trig=polynomial` (onnx-graph's lowerTrig, exact to 3e-7) or `?trig=webgpu` (the same, with
 * Round and Sign rewritten into operators WebGPU kernels exist for).
 */
export const MODEL_VARIANTS = ["polynomial", "webgpu"] as const;
export type ModelVariant = (typeof MODEL_VARIANTS)[number];

const CACHED = 8;

export class ModelVariantCache {
  private readonly cache = new Map<string, Promise<Uint8Array>>();

  /** The variant of the file at `path` (version: its size and mtime), computed once per version. */
  get(path: string, version: string, variant: ModelVariant): Promise<Uint8Array> {
    const key = `${path}\0${version}\0${variant}`;
    let bytes = this.cache.get(key);
    if (!bytes) {
      bytes = readFile(path).then((original) => {
        const lowered = withPolynomialTrig(original);
        return variant === "webgpu" ? webgpuCompatibleModel(lowered) : lowered;
      });
      bytes.catch(() => this.cache.delete(key));
      this.cache.set(key, bytes);
      // Oldest first: a Map keeps insertion order.
      while (this.cache.size > CACHED) this.cache.delete(this.cache.keys().next().value!);
    }
    return bytes;
  }
}
