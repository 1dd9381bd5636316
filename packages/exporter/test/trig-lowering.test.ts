import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Checkpoint, float64Ops, forwardJet, matrix, paramsToMatrices, SeededRandom } from "@siren-onnx/core";
import { exportModelBytes } from "@siren-onnx/exporter";
import onnxProto from "onnx-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onnxCheck, relativeError, runOnnx, smallCheckpoint, tempDir } from "../../../test/support/fixtures.ts";

const { onnx } = onnxProto;
const opTypes = (bytes: Uint8Array) => (onnx.ModelProto.decode(bytes).graph?.node ?? []).map((n) => n.opType ?? "");
const count = (ops: string[], op: string) => ops.filter((o) => o === op).length;

describe("exported models with trig: 'polynomial'", () => {
  const sine = smallCheckpoint("sine", { channels: 3, seed: 4 });
  const sineLayers = sine.params.length - 1;

  it("have no Sin/Cos; sin alone costs 21 element-wise nodes per layer, sin and cos together 30", () => {
    for (const derivatives of [false, true]) {
      const native = opTypes(exportModelBytes(sine, { derivatives, trig: "native" }));
      const lowered = opTypes(exportModelBytes(sine, { derivatives, trig: "polynomial" }));
      expect(count(native, "Sin")).toBe(sineLayers);
      expect(count(native, "Cos")).toBe(derivatives ? sineLayers : 0);
      expect(count(lowered, "Sin") + count(lowered, "Cos")).toBe(0);
      // One reduction per layer, shared by sin and cos.
      expect(count(lowered, "Round")).toBe(sineLayers);
      const replaced = derivatives ? 2 : 1;
      expect(lowered.length - native.length).toBe(sineLayers * ((derivatives ? 30 : 21) - replaced));
    }
    // The default keeps the runtime's own Sin (see the README's ONNX contract).
    expect(count(opTypes(exportModelBytes(sine, { derivatives: false })), "Sin")).toBe(sineLayers);
  });

  /** Points inside the training domain and far outside it, as the parity tests use. */
  function points(seed: number, range: number, n = 40): Float32Array {
    const rng = new SeededRandom(seed);
    return new Float32Array(2 * n).map(() => rng.uniform(-range, range));
  }

  async function compareWithReference(ckpt: Checkpoint, range: number) {
    const pts = points(7 + range, range);
    const out = await runOnnx(exportModelBytes(ckpt, { derivatives: true, trig: "polynomial" }), pts);
    const ref = forwardJet(float64Ops, ckpt.spec, paramsToMatrices(ckpt.params), matrix(pts.length / 2, 2, pts), 2);
    const [gx, gy] = ref.gradient!.map((g) => g.data);
    const gradient = Float64Array.from({ length: 2 * gx.length }, (_, i) => (i % 2 === 0 ? gx : gy)[i >> 1]);
    return {
      image: relativeError(out.image.data as Float32Array, ref.value.data),
      gradient: relativeError(out.gradient.data as Float32Array, gradient),
      laplacian: relativeError(out.laplacian.data as Float32Array, ref.laplacian!.data),
    };
  }

  it.each([
    { activation: "sine", range: 1, tol: 1e-5, lapTol: 1e-4 },
    { activation: "sine", range: 10, tol: 5e-5, lapTol: 3e-4 },
    { activation: "relu-pe", range: 1, tol: 1e-5, lapTol: 1e-4 },
    { activation: "relu-pe", range: 10, tol: 5e-5, lapTol: 3e-4 },
  ] as const)(
    "match the float64 reference: $activation in [-$range, $range]",
    async ({ activation, range, tol, lapTol }) => {
      const e = await compareWithReference(smallCheckpoint(activation, { channels: 3, seed: 2 }), range);
      expect(e.image).toBeLessThan(tol);
      expect(e.gradient).toBeLessThan(tol);
      expect(e.laplacian).toBeLessThan(lapTol);
    },
  );

  it("give the same image from the image-only and the derivative model", async () => {
    const pts = points(3, 2);
    const image = await runOnnx(exportModelBytes(sine, { derivatives: false, trig: "polynomial" }), pts);
    const full = await runOnnx(exportModelBytes(sine, { derivatives: true, trig: "polynomial" }), pts);
    expect(Array.from(image.image.data as Float32Array)).toEqual(Array.from(full.image.data as Float32Array));
  });

  describe("onnx.checker", () => {
    let dir: string;
    let cleanup: () => Promise<void>;
    beforeAll(async () => ({ dir, cleanup } = await tempDir()));
    afterAll(() => cleanup());

    it("passes check_model(full_check=True), sine and relu-pe, image and derivatives", async () => {
      const paths: string[] = [];
      for (const activation of ["sine", "relu-pe"] as const) {
        for (const derivatives of [false, true]) {
          const path = join(dir, `${activation}-${derivatives ? "deriv" : "image"}-polynomial.onnx`);
          await writeFile(path, exportModelBytes(smallCheckpoint(activation), { derivatives, trig: "polynomial" }));
          paths.push(path);
        }
      }
      const check = onnxCheck(paths);
      expect(check.output).toContain(`checked ${paths.length}`);
      expect(check.status).toBe(0);
    });
  });
});
