import { createSession, parseDeviceName, resolveDevice } from "@siren-onnx/sessions";
import * as ort from "onnxruntime-node";
import type { EngineOptions, TrainingEngine } from "./engine.ts";
import { createOnnxStepEngine } from "./onnx-step-engine.ts";

/**
 * The default engine: onnx-step-engine.ts's generated training-step graphs run by
 * onnxruntime-node on the device `options.device` resolves to (sessions picks the providers).
 */
export async function createOnnxEngine(options: EngineOptions): Promise<TrainingEngine> {
  const device = await resolveDevice(parseDeviceName(options.device ?? "cpu"));
  const onGpu = device.kind === "webgpu";
  return createOnnxStepEngine(options, {
    tensor: (data, dims) => new ort.Tensor("float32", data, dims),
    createSession: (bytes, deviceOutputs) =>
      createSession(bytes, device, { threads: options.threads, deviceOutputs: onGpu ? deviceOutputs : [] }),
    webgpu: onGpu,
    description: `onnxruntime (${device.description}${options.threads && !onGpu ? `, ${options.threads} threads` : ""})`,
  });
}
