import { UserError } from "@siren-onnx/core";
import type { EngineOptions, TrainingEngine } from "./engine.ts";
import { createOnnxEngine } from "./onnx-engine.ts";

export const ENGINE_NAMES = ["onnxruntime", "tfjs"] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export function parseEngineName(name: string): EngineName {
  if (!(ENGINE_NAMES as readonly string[]).includes(name)) {
    throw new UserError(`--engine: expected onnxruntime or tfjs, got "${name}"`);
  }
  return name as EngineName;
}

export async function createEngine(name: EngineName, options: EngineOptions): Promise<TrainingEngine> {
  if (name === "onnxruntime") return createOnnxEngine(options);
  // Loaded on demand: TensorFlow.js is heavy and only needed when asked for.
  const { createTfjsEngine } = await import("./tfjs-engine.ts");
  return createTfjsEngine(options);
}
