import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Checkpoint, createSpec, initParams, type ModelKind } from "@siren-onnx/core";
import { saveCheckpoint } from "@siren-onnx/core/node";
import { exportCheckpoint } from "@siren-onnx/exporter";

const OUTPUT_GAIN = 6;

/** A fresh temporary folder. */
export function tempDir(prefix = "siren-viewer-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/**
 * Exports tiny random-init models (`<dir>/<name>.onnx` and `.deriv.onnx`) through the real
 * checkpoint -> exporter path, so the server sees exactly what `siren export` writes.
 */
export async function makeModels(
  dir: string,
  models: Array<{
    name: string;
    kind: ModelKind;
    channels?: 1 | 3;
    seed?: number;
    width?: number;
    hiddenLayers?: number;
    gain?: number;
  }>,
): Promise<Record<string, Checkpoint>> {
  const checkpoints = await tempDir("siren-viewer-ckpt-");
  const written: Record<string, Checkpoint> = {};
  await mkdir(dir, { recursive: true });
  for (const { name, kind, channels = 1, seed = 1, width = 16, hiddenLayers = 1, gain = OUTPUT_GAIN } of models) {
    const spec = createSpec(kind, { width, hiddenLayers, outputs: channels, peFrequencies: 2 });
    const path = join(checkpoints, `${name}.safetensors`);
    // Random weights give faint pictures; a stronger last layer spreads values over [-1, 1] so
    // pixel comparisons in the tests can tell a one-pixel shift.
    const params = initParams(spec, seed);
    const last = params[params.length - 1];
    last.weight = last.weight.map((w) => w * gain);
    const checkpoint: Checkpoint = {
      spec,
      params,
      training: {
        task: "fit",
        steps: 0,
        lr: 1e-3,
        batch: "full",
        seed,
        loss: 0.1,
        psnr: 20,
        imageWidth: 32,
        imageHeight: 24,
        channels,
        engine: "test",
        seconds: 0,
      },
    };
    await saveCheckpoint(path, checkpoint);
    await exportCheckpoint(path, join(dir, name));
    written[name] = checkpoint;
  }
  return written;
}
