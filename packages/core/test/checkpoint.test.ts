import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint, type TrainingSummary } from "../src/checkpoint.ts";
import { initParams } from "../src/init.ts";
import { createSpec } from "../src/model-spec.ts";
import { loadCheckpoint, saveCheckpoint } from "../src/node/files.ts";

const spec = createSpec("sine", { width: 8, hiddenLayers: 1, outputs: 3 });
const training: TrainingSummary = {
  task: "fit",
  steps: 10,
  lr: 1e-4,
  batch: "full",
  seed: 1,
  loss: 0.01,
  psnr: 31.5,
  imageWidth: 16,
  imageHeight: 16,
  channels: 3,
  engine: "onnxruntime (cpu)",
  seconds: 1.25,
  source: "camera.png",
  extra: { note: "test" },
};
const checkpoint: Checkpoint = { spec, params: initParams(spec, 5), training };

/** The header of a safetensors file as an object, and its tensor bytes. */
function split(bytes: Uint8Array) {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  return { header, data: bytes.subarray(8 + length) };
}

function join8(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Header entries: `__metadata__` (strings) and one {dtype, shape, data_offsets} per tensor. */
type Header = Record<string, Record<string, unknown>>;

/** A valid file with its header changed by `edit`. */
function withHeader(edit: (header: Header) => void): Uint8Array {
  const { header, data } = split(encodeCheckpoint(checkpoint));
  edit(header);
  return join8(header, data);
}

function withMetadata(field: "spec" | "training", edit: (value: Record<string, unknown>) => void): Uint8Array {
  return withHeader((h) => {
    const value = JSON.parse(h.__metadata__[field] as string);
    edit(value);
    h.__metadata__[field] = JSON.stringify(value);
  });
}

describe("checkpoint round trip", () => {
  it("decodes exactly what was encoded, bit for bit", () => {
    const params = initParams(spec, 5);
    params[0].weight[0] = -0; // signed zero and a subnormal survive
    params[0].weight[1] = 1e-40;
    const decoded = decodeCheckpoint(encodeCheckpoint({ ...checkpoint, params }));
    expect(decoded.spec).toEqual(spec);
    expect(decoded.training).toEqual(training);
    decoded.params.forEach((layer, i) => {
      expect([layer.out, layer.in]).toEqual([params[i].out, params[i].in]);
      expect(new Uint8Array(layer.weight.buffer, layer.weight.byteOffset, layer.weight.byteLength)).toEqual(
        new Uint8Array(params[i].weight.buffer),
      );
      expect(new Uint8Array(layer.bias.buffer, layer.bias.byteOffset, layer.bias.byteLength)).toEqual(
        new Uint8Array(params[i].bias.buffer),
      );
    });
  });

  it("writes a standard safetensors layout (nn.Linear names, F32, 8-byte aligned data)", () => {
    const bytes = encodeCheckpoint(checkpoint);
    const { header } = split(bytes);
    const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + length) % 8).toBe(0);
    expect(header["layers.0.weight"]).toMatchObject({ dtype: "F32", shape: [8, 2] });
    expect(header["layers.2.bias"]).toMatchObject({ dtype: "F32", shape: [3] });
    expect(JSON.parse(header.__metadata__.spec)).toMatchObject({ activation: "sine", omega0: 30 });
  });

  it("saves atomically and loads back; names a missing file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "siren-ckpt-"));
    const path = join(dir, "checkpoint.safetensors");
    await saveCheckpoint(path, checkpoint);
    await saveCheckpoint(path, checkpoint); // replacing an existing file
    expect(await readdir(dir)).toEqual(["checkpoint.safetensors"]); // no temporary files left
    expect((await loadCheckpoint(path)).params).toEqual(checkpoint.params);
    await expect(loadCheckpoint(join(dir, "nope.safetensors"))).rejects.toThrow(/checkpoint not found: .*nope/);
    await writeFile(path, (await readFile(path)).subarray(0, 100));
    await expect(loadCheckpoint(path)).rejects.toThrow(new RegExp(`^${path}: checkpoint: `));
  });
});

describe("checkpoint rejects corrupt input, naming the problem", () => {
  const valid = encodeCheckpoint(checkpoint);
  const cases: Array<[string, () => Uint8Array, RegExp]> = [
    ["a file shorter than the length field", () => valid.subarray(0, 5), /too short to be safetensors/],
    [
      "a truncated file",
      () => valid.subarray(0, valid.length - 10),
      /layers\.2\.bias\.data_offsets .* \(truncated\?\)/,
    ],
    [
      "a header length beyond the file",
      () => {
        const bytes = valid.slice();
        new DataView(bytes.buffer).setBigUint64(0, 10n ** 6n, true);
        return bytes;
      },
      /header length 1000000 does not fit a \d+-byte file/,
    ],
    [
      "a header that is not JSON",
      () => {
        const bytes = valid.slice();
        bytes[8] = "x".charCodeAt(0);
        return bytes;
      },
      /header is not valid JSON/,
    ],
    ["a missing __metadata__", () => withHeader((h) => delete h.__metadata__), /__metadata__ is missing/],
    [
      "the wrong format",
      () => withHeader((h) => (h.__metadata__.format = "other/1")),
      /__metadata__\.format is "other\/1", expected "siren-onnx\.checkpoint\/1"/,
    ],
    [
      "spec that is not JSON",
      () => withHeader((h) => (h.__metadata__.spec = "{")),
      /__metadata__\.spec is not valid JSON/,
    ],
    [
      "a missing training summary",
      () => withHeader((h) => delete h.__metadata__.training),
      /__metadata__\.training is missing/,
    ],
    ["a missing tensor", () => withHeader((h) => delete h["layers.1.bias"]), /tensor layers\.1\.bias is missing/],
    [
      "a tensor of the wrong shape",
      () => withHeader((h) => (h["layers.0.weight"].shape = [2, 8])),
      /layers\.0\.weight\.shape is \[2,8\], the spec needs \[8,2\]/,
    ],
    [
      "a tensor of the wrong dtype",
      () => withHeader((h) => (h["layers.1.weight"].dtype = "F16")),
      /layers\.1\.weight\.dtype is "F16", expected "F32"/,
    ],
    [
      "overlapping data offsets",
      () => withHeader((h) => (h["layers.0.bias"].data_offsets = [0, 4])),
      /layers\.0\.bias\.data_offsets \[0,4\] are invalid/,
    ],
    [
      "NaN weights",
      () => {
        const params = initParams(spec, 5);
        params[1].weight[7] = Number.NaN;
        return encodeCheckpoint({ ...checkpoint, params });
      },
      /layers\.1\.weight holds a non-finite value at index 7/,
    ],
    [
      "a bad spec activation",
      () => withMetadata("spec", (s) => (s.activation = "gelu")),
      /spec\.activation: expected one of .*got "gelu"/,
    ],
    [
      "a bad spec width",
      () => withMetadata("spec", (s) => (s.width = -3)),
      /spec\.width: expected an integer in 1\.\.4096, got -3/,
    ],
    [
      "a bad spec omega0",
      () => withMetadata("spec", (s) => (s.omega0 = "30")),
      /spec\.omega0: expected a positive number/,
    ],
    ["a bad spec outputs", () => withMetadata("spec", (s) => (s.outputs = 2)), /spec\.outputs: expected 1 or 3, got 2/],
    [
      "a spec whose layers do not match the tensors",
      () => withMetadata("spec", (s) => (s.width = 9)),
      /layers\.0\.weight\.shape is \[8,2\], the spec needs \[9,2\]/,
    ],
    [
      "a training summary without steps",
      () => withMetadata("training", (t) => delete t.steps),
      /training\.steps is missing or not a number/,
    ],
    [
      "a bad training batch",
      () => withMetadata("training", (t) => (t.batch = "half")),
      /training\.batch must be a number or "full"/,
    ],
  ];

  it.each(cases)("%s", (_, make, message) => {
    expect(() => decodeCheckpoint(make())).toThrow(message);
  });
});
