import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";

export async function tempDir(prefix = "siren-test-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A smooth synthetic test picture (sum of low-frequency waves plus an edge), 8-bit. */
export function syntheticPixels(size: number, channels: 1 | 3): Uint8Array {
  const out = new Uint8Array(size * size * channels);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const x = c / (size - 1);
      const y = r / (size - 1);
      for (let k = 0; k < channels; k++) {
        const v = 0.5 + 0.25 * Math.sin(2 * Math.PI * (x + 0.3 * k)) * Math.cos(3 * y) + 0.2 * (x > 0.6 ? 1 : 0) - 0.1;
        out[(r * size + c) * channels + k] = Math.round(255 * Math.min(1, Math.max(0, v)));
      }
    }
  }
  return out;
}

export async function writeSyntheticPng(path: string, size: number, channels: 1 | 3 = 1): Promise<string> {
  const image = sharp(syntheticPixels(size, channels), { raw: { width: size, height: size, channels } });
  await (channels === 1 ? image.toColourspace("b-w") : image).png().toFile(path);
  return path;
}
