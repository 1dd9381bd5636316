import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Checkpoint, createSpec, initParams, type ModelKind, type TrainingSummary } from "@siren-onnx/core";
import * as ort from "onnxruntime-node";

/** A small random-init checkpoint with a filled-in training summary (no trainer needed). */
export function smallCheckpoint(
  activation: ModelKind,
  options: { channels?: 1 | 3; width?: number; seed?: number; imageSize?: [number, number] } = {},
): Checkpoint {
  const channels = options.channels ?? 1;
  const spec = createSpec(activation, {
    width: options.width ?? 16,
    hiddenLayers: 2,
    outputs: channels,
    peFrequencies: 3,
  });
  const [imageWidth, imageHeight] = options.imageSize ?? [24, 16];
  const training: TrainingSummary = {
    task: "fit",
    steps: 10,
    lr: 1e-3,
    batch: "full",
    seed: options.seed ?? 7,
    loss: 0.01,
    psnr: 20,
    imageWidth,
    imageHeight,
    channels,
    engine: "test",
    seconds: 0.1,
    source: "test.png",
  };
  return { spec, params: initParams(spec, options.seed ?? 7), training };
}

/** A fresh temporary folder, removed by the returned cleanup function. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "siren-exporter-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs an ONNX model on [N, 2] points and returns every output's data. */
export async function runOnnx(bytes: Uint8Array, points: Float32Array): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    return await session.run({ coords: new ort.Tensor("float32", points, [points.length / 2, 2]) });
  } finally {
    await session.release();
  }
}

/** max |a - b| / max |b|: error relative to the size of the reference values. */
export function relativeError(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    err = Math.max(err, Math.abs(actual[i] - reference[i]));
    scale = Math.max(scale, Math.abs(reference[i]));
  }
  return err / Math.max(scale, 1e-30);
}

/** Runs onnx.checker.check_model(full_check=True) with Debian's python3-onnx on each file. */
export function onnxCheck(paths: string[]): { status: number | null; output: string } {
  const script = [
    "import sys, onnx",
    "for p in sys.argv[1:]:",
    "    onnx.checker.check_model(onnx.load(p), full_check=True)",
    "print('checked', len(sys.argv) - 1)",
  ].join("\n");
  const r = spawnSync("/usr/bin/python3", ["-c", script, ...paths], { encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}${r.error?.message ?? ""}` };
}
