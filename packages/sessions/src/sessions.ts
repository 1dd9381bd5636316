/**
 * The one place where onnxruntime sessions are configured, for the trainer's step graphs and
 * the renderer's exported models alike: execution providers for the device, threads, graph
 * optimisation, which outputs stay on the GPU, and (from onnx-graph) the WebGPU-only graph rewrites.
 */
import { UserError } from "@siren-onnx/core";
import { webgpuCompatibleModel, withPolynomialTrig } from "@siren-onnx/onnx-graph";
import * as ort from "onnxruntime-node";
import type { Device, DeviceKind } from "./devices.ts";

export interface SessionSettings {
  /** CPU threads (intra-op); default all cores. On a GPU they only run what stays on the CPU. */
  threads?: number;
  /**
   * Outputs left in GPU memory (WebGPU only): tensors with location "gpu-buffer" that a later run
   * takes as inputs without a copy. Their data cannot be read in Node: read them through a session
   * that outputs them to the CPU, and dispose() them when done.
   */
  deviceOutputs?: readonly string[];
}

export function sessionOptions(
  device: Device | DeviceKind,
  settings: SessionSettings = {},
): ort.InferenceSession.SessionOptions {
  const kind = typeof device === "string" ? device : device.kind;
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: kind === "cpu" ? ["cpu"] : [kind, "cpu"],
    intraOpNumThreads: settings.threads ?? 0,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    // Subnormal floats are flushed to zero. A Gauss unit's exp(-z²) and its derivatives pass through
    // the subnormal range (|z| near 9.3-10.2), where x86 arithmetic is many times slower: a Gauss fit
    // took four times a SIREN's, and with the flush it ends at the same PSNR to every printed digit
    // (README, "Model").
    extra: { session: { set_denormal_as_zero: "1" } },
  };
  // Errors only: onnxruntime warns on stderr whenever it keeps shape arithmetic on the CPU (by design).
  if (kind !== "cpu") options.logSeverityLevel = 3;
  if (kind === "webgpu" && settings.deviceOutputs?.length) {
    options.preferredOutputLocation = Object.fromEntries(settings.deviceOutputs.map((n) => [n, "gpu-buffer"]));
  }
  return options;
}

/** A session for a serialised model on a device; errors of a GPU provider become one-line UserErrors. */
export async function createSession(
  model: Uint8Array,
  device: Device,
  settings: SessionSettings = {},
): Promise<ort.InferenceSession> {
  const bytes = device.kind === "webgpu" ? webgpuCompatibleModel(withPolynomialTrig(model)) : model;
  try {
    return await ort.InferenceSession.create(bytes, sessionOptions(device, settings));
  } catch (err) {
    if (device.kind === "cpu") throw err;
    throw new UserError(`onnxruntime on ${device.description}: ${firstLine(err)}`);
  }
}

export function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err)
    .split("\n")[0]
    .trim();
}
