import { createSession, parseDeviceName, resolveDevice, startSessionWorker, workerCount } from "@siren-onnx/sessions";
import * as ort from "onnxruntime-node";
import { shardCount } from "./data-parallel.ts";
import type { EngineOptions, TrainingEngine } from "./engine.ts";
import { createOnnxStepEngine } from "./onnx-step-engine.ts";

/**
 * The default engine: onnx-step-engine.ts's generated training-step graphs run by
 * onnxruntime-node on the device `options.device` resolves to (sessions picks the providers). On
 * the CPU a large enough batch runs data-parallel on single-threaded workers, one per thread.
 */
export async function createOnnxEngine(options: EngineOptions): Promise<TrainingEngine> {
  const device = await resolveDevice(parseDeviceName(options.device ?? "cpu"));
  const onGpu = device.kind === "webgpu";
  const shards =
    device.kind === "cpu" && options.dataParallel !== false
      ? shardCount(options.batchSize, workerCount(options.threads))
      : 1;
  const threads =
    shards > 1
      ? `, data-parallel on ${shards} threads`
      : options.threads && !onGpu
        ? `, ${options.threads} threads`
        : "";
  return createOnnxStepEngine(options, {
    tensor: (data, dims) => new ort.Tensor("float32", data, dims),
    createSession: (bytes, deviceOutputs) =>
      createSession(bytes, device, {
        // Beside data-parallel workers this thread's sessions get no intra-op pool: its idle
        // threads spin and slowed the workers' shards by about 15 %.
        threads: shards > 1 ? 1 : options.threads,
        deviceOutputs: onGpu ? deviceOutputs : [],
      }),
    webgpu: onGpu,
    description: `onnxruntime (${device.description}${threads})`,
    workers: shards > 1 ? { count: shards, start: startSessionWorker } : undefined,
  });
}
