import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  ACTIVATION_NAMES,
  COORDINATE_CONVENTION,
  METADATA_KEYS,
  ONNX_IR_VERSION,
  ONNX_OPSET,
  PRODUCER_NAME,
  PRODUCER_VERSION,
  VALUE_CONVENTION,
} from "@siren-onnx/core";
import { saveCheckpoint } from "@siren-onnx/core/node";
import { exportCheckpoint, exportModelBytes } from "@siren-onnx/exporter";
import { readModelMetadata } from "@siren-onnx/onnx-graph";
import onnxProto from "onnx-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onnxCheck, runOnnx, smallCheckpoint, tempDir } from "../../../test/support/fixtures.ts";

const { onnx } = onnxProto;
/** Decodes an exported model; its graph's repeated fields are always arrays. */
function decode(bytes: Uint8Array) {
  const model = onnx.ModelProto.decode(bytes);
  return { model, graph: model.graph as onnxProto.onnx.GraphProto };
}

describe("exported model contract", () => {
  const ckpt = smallCheckpoint("sine", { channels: 3 });

  it("has input coords [N, 2] and outputs image [N, C], gradient [N, C, 2], laplacian [N, C]", () => {
    const { model, graph } = decode(exportModelBytes(ckpt, { derivatives: true }));
    const dims = (v: onnxProto.onnx.IValueInfoProto) =>
      v.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue));
    expect(graph.input.map((i) => [i.name, dims(i)])).toEqual([["coords", ["N", 2]]]);
    expect(graph.output.map((o) => [o.name, dims(o)])).toEqual([
      ["image", ["N", 3]],
      ["gradient", ["N", 3, 2]],
      ["laplacian", ["N", 3]],
    ]);
    expect(Number(model.irVersion)).toBe(ONNX_IR_VERSION);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([["", ONNX_OPSET]]);
    expect([model.producerName, model.producerVersion]).toEqual([PRODUCER_NAME, PRODUCER_VERSION]);
    expect(graph.node.every((n) => n.name !== "")).toBe(true);
  });

  it("stores the checkpoint's weights as named initializers, omega0 folded so every Gemm has alpha = beta = 1", () => {
    const { graph } = decode(exportModelBytes(ckpt, { derivatives: false }));
    const names = graph.initializer.map((t) => t.name);
    const expected = ckpt.params.flatMap((_, i) => [`layers.${i}.weight`, `layers.${i}.bias`]);
    expect(names).toEqual(expect.arrayContaining(expected));
    const first = graph.initializer.find((t) => t.name === "layers.0.weight")!;
    const raw = first.rawData!;
    const stored = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    expect(stored[0]).toBeCloseTo(ckpt.params[0].weight[0] * ckpt.spec.omega0, 5);
    const gemmScales = graph.node
      .filter((n) => n.opType === "Gemm")
      .flatMap((n) => (n.attribute ?? []).filter((a) => a.name === "alpha" || a.name === "beta").map((a) => a.f));
    expect(gemmScales.length).toBeGreaterThan(0);
    expect(gemmScales.every((f) => f === 1)).toBe(true);
    // The image-only graph has no derivative nodes at all: it must stay cheap.
    expect(graph.node.some((n) => n.opType === "Cos")).toBe(false);
  });

  it("accepts any number of points (dynamic N)", async () => {
    const bytes = exportModelBytes(ckpt, { derivatives: true });
    for (const n of [1, 5, 300]) {
      const out = await runOnnx(
        bytes,
        new Float32Array(2 * n).map((_, i) => Math.sin(i)),
      );
      expect([out.image.dims, out.gradient.dims, out.laplacian.dims]).toEqual([
        [n, 3],
        [n, 3, 2],
        [n, 3],
      ]);
    }
  });

  it("round-trips its metadata through readModelMetadata", () => {
    const props = onnx.ModelProto.decode(exportModelBytes(ckpt, { derivatives: true })).metadataProps;
    expect(props.map((p) => p.key).sort()).toEqual(Object.values(METADATA_KEYS).sort());
    const meta = readModelMetadata(exportModelBytes(ckpt, { derivatives: true }));
    expect(meta.spec).toEqual(ckpt.spec);
    expect(meta.training).toEqual(ckpt.training);
    expect(meta.outputs).toEqual(["image", "gradient", "laplacian"]);
    expect(meta.hasDerivatives).toBe(true);
    expect(meta.channels).toBe(3);
    expect(meta.task).toBe("fit");
    expect(meta.source).toEqual({ width: 24, height: 16, channels: 3, file: "test.png" });
    expect([meta.coordinates, meta.values]).toEqual([COORDINATE_CONVENTION, VALUE_CONVENTION]);
    expect([meta.irVersion, meta.opset, meta.producer]).toEqual([
      ONNX_IR_VERSION,
      ONNX_OPSET,
      `${PRODUCER_NAME} ${PRODUCER_VERSION}`,
    ]);
    const imageOnly = readModelMetadata(exportModelBytes(ckpt, { derivatives: false }));
    expect([imageOnly.outputs, imageOnly.hasDerivatives]).toEqual([["image"], false]);
  });
});

describe("siren export files", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterAll(() => cleanup());

  it("writes <name>.onnx and <name>.deriv.onnx for a run directory, named after it", async () => {
    const run = join(dir, "cameraman-siren");
    await mkdir(run);
    await saveCheckpoint(join(run, "checkpoint.safetensors"), smallCheckpoint("sine"));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const result = await exportCheckpoint("cameraman-siren");
      expect([result.imageModel, result.derivativeModel]).toEqual([
        join("models", "cameraman-siren.onnx"),
        join("models", "cameraman-siren.deriv.onnx"),
      ]);
      expect(readModelMetadata(await readFile(result.derivativeModel)).hasDerivatives).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });

  it("refuses to overwrite either file without force, and overwrites with it", async () => {
    const ckptPath = join(dir, "gray.safetensors");
    await saveCheckpoint(ckptPath, smallCheckpoint("tanh"));
    const prefix = join(dir, "out", "gray");
    await exportCheckpoint(ckptPath, prefix);
    await writeFile(`${prefix}.onnx`, "user data");
    await expect(exportCheckpoint(ckptPath, prefix)).rejects.toThrow(/gray\.onnx already exists \(use --force/);
    expect(await readFile(`${prefix}.onnx`, "utf8")).toBe("user data");
    await exportCheckpoint(ckptPath, `${prefix}.onnx`, { force: true });
    expect(readModelMetadata(await readFile(`${prefix}.onnx`)).spec.activation).toBe("tanh");
  });

  it("passes onnx.checker.check_model(full_check=True) for every activation, gray and RGB", async () => {
    const paths: string[] = [];
    for (const activation of ACTIVATION_NAMES) {
      for (const channels of [1, 3] as const) {
        for (const derivatives of [false, true]) {
          const path = join(dir, `${activation}-${channels}-${derivatives ? "deriv" : "image"}.onnx`);
          await writeFile(path, exportModelBytes(smallCheckpoint(activation, { channels }), { derivatives }));
          paths.push(path);
        }
      }
    }
    const check = onnxCheck(paths);
    expect(check.output).toContain(`checked ${paths.length}`);
    expect(check.status).toBe(0);
  });
});
