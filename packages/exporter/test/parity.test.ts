import {
  ACTIVATION_NAMES,
  type Checkpoint,
  float64Ops,
  forwardJet,
  matrix,
  paramsToMatrices,
  SeededRandom,
} from "@siren-onnx/core";
import { exportModelBytes } from "@siren-onnx/exporter";
import { describe, expect, it } from "vitest";
import { relativeError, runOnnx, smallCheckpoint } from "../../../test/support/fixtures.ts";

/**
 * Float32 round-off of the first layer's argument grows with |p| (and omega0), so points far
 * outside the training domain get a proportionally looser bound.
 */
const CASES = [
  { where: "inside [-1, 1]", range: 1, valueTol: 1e-5, laplacianTol: 1e-4, finerFactor: 4 },
  { where: "far outside, in [-10, 10]", range: 10, valueTol: 5e-5, laplacianTol: 3e-4, finerFactor: 20 },
];

/**
 * finer's argument g = omega0 (|z| + 1) z grows as z^2: the float32 rounding of z reaches g
 * multiplied by g'(z) = omega0 (1 + 2|z|), so its error grows faster with |p| than SIREN's
 * (gradient, measured: 1.2e-5 vs 1.4e-6 inside, 3.6e-4 vs 8e-6 in [-10, 10]).
 */
function tolerances(activation: string, cse: (typeof CASES)[number]) {
  const k = activation === "finer" ? cse.finerFactor : 1;
  return { valueTol: k * cse.valueTol, laplacianTol: k * cse.laplacianTol };
}

function randomPoints(seed: number, range: number, count = 40): Float32Array {
  const rng = new SeededRandom(seed);
  return new Float32Array(2 * count).map(() => rng.uniform(-range, range));
}

/** Float64 values of the reference forward pass (no derivative rules involved). */
function valuesAt(ckpt: Checkpoint, pts: ArrayLike<number>): Float64Array {
  const n = pts.length / 2;
  return forwardJet(float64Ops, ckpt.spec, paramsToMatrices(ckpt.params), matrix(n, 2, pts), 0).value.data;
}

function shifted(pts: Float32Array, dx: number, dy: number): Float64Array {
  return Float64Array.from(pts, (v, i) => v + (i % 2 === 0 ? dx : dy));
}

/** Central differences: gradient [N, C, 2] and the 5-point Laplacian [N, C] with step h. */
function finiteDifferences(ckpt: Checkpoint, pts: Float32Array, hg: number, h: number) {
  const [gxp, gxm, gyp, gym] = [
    valuesAt(ckpt, shifted(pts, hg, 0)),
    valuesAt(ckpt, shifted(pts, -hg, 0)),
    valuesAt(ckpt, shifted(pts, 0, hg)),
    valuesAt(ckpt, shifted(pts, 0, -hg)),
  ];
  const center = valuesAt(ckpt, pts);
  const around = [
    valuesAt(ckpt, shifted(pts, h, 0)),
    valuesAt(ckpt, shifted(pts, -h, 0)),
    valuesAt(ckpt, shifted(pts, 0, h)),
    valuesAt(ckpt, shifted(pts, 0, -h)),
  ];
  const gradient = new Float64Array(2 * center.length);
  const laplacian = new Float64Array(center.length);
  for (let i = 0; i < center.length; i++) {
    gradient[2 * i] = (gxp[i] - gxm[i]) / (2 * hg);
    gradient[2 * i + 1] = (gyp[i] - gym[i]) / (2 * hg);
    laplacian[i] = (around.reduce((s, a) => s + a[i], 0) - 4 * center[i]) / (h * h);
  }
  return { gradient, laplacian };
}

/** Interleaves the [N, C] d/dx and d/dy streams into the [N, C, 2] layout of the `gradient` output. */
function interleave(dx: Float64Array, dy: Float64Array): Float64Array {
  const out = new Float64Array(2 * dx.length);
  dx.forEach((v, i) => {
    out[2 * i] = v;
    out[2 * i + 1] = dy[i];
  });
  return out;
}

/** Keeps the entries where `keep` holds for the entry's point (C values, or 2C for the gradient). */
function select<T extends Float32Array | Float64Array>(values: T, perPoint: number, keep: boolean[]): number[] {
  return Array.from(values).filter((_, i) => keep[Math.floor(i / perPoint)]);
}

describe.each(ACTIVATION_NAMES.flatMap((activation) => [1, 3].map((channels) => ({ activation, channels }))))(
  "exported $activation model, $channels channel(s)",
  ({ activation, channels }) => {
    const ckpt = smallCheckpoint(activation, { channels: channels as 1 | 3, seed: channels });
    const c = channels;

    it.each(CASES)("matches the float64 reference and finite differences $where", async (cse) => {
      const pts = randomPoints(11 * c + cse.range, cse.range);
      const tol = tolerances(activation, cse);
      const out = await runOnnx(exportModelBytes(ckpt, { derivatives: true }), pts);
      const image = out.image.data as Float32Array;
      const gradient = out.gradient.data as Float32Array;
      const laplacian = out.laplacian.data as Float32Array;
      expect(out.gradient.dims).toEqual([pts.length / 2, c, 2]);

      const ref = forwardJet(float64Ops, ckpt.spec, paramsToMatrices(ckpt.params), matrix(pts.length / 2, 2, pts), 2);
      expect(relativeError(image, ref.value.data)).toBeLessThan(tol.valueTol);
      expect(relativeError(gradient, interleave(ref.gradient![0].data, ref.gradient![1].data))).toBeLessThan(
        tol.valueTol,
      );
      expect(relativeError(laplacian, ref.laplacian!.data)).toBeLessThan(tol.laplacianTol);

      // Finite differences check the derivative rules themselves. ReLU kinks inside a stencil
      // break them, so points where steps h and 2h disagree are left out (most points remain).
      // Kinds whose frequency grows with omega0 take a step that resolves it.
      const h = ["sine", "finer", "gauss"].includes(activation) ? 1e-3 / ckpt.spec.omega0 : 1e-4;
      const fd = finiteDifferences(ckpt, pts, 1e-5, h);
      const coarse = finiteDifferences(ckpt, pts, 2e-5, 2 * h);
      // A kink makes the 5-point stencil ~ |slope change| / h, far above this scale.
      const scale = Math.max(...laplacian.map(Math.abs), ...gradient.map(Math.abs));
      const smooth = Array.from({ length: pts.length / 2 }, (_, p) =>
        Array.from({ length: c }, (_, k) => p * c + k).every(
          (i) => Math.abs(fd.laplacian[i] - coarse.laplacian[i]) <= 1e-4 * scale,
        ),
      );
      expect(smooth.filter(Boolean).length).toBeGreaterThan(0.75 * smooth.length);
      expect(relativeError(select(gradient, 2 * c, smooth), select(fd.gradient, 2 * c, smooth))).toBeLessThan(
        tol.valueTol,
      );
      if (activation === "relu") {
        // Piecewise linear: the Laplacian is exactly zero, not merely small.
        expect(laplacian.every((v) => v === 0)).toBe(true);
      } else {
        expect(relativeError(select(laplacian, c, smooth), select(fd.laplacian, c, smooth))).toBeLessThan(
          tol.laplacianTol,
        );
      }
    });

    it("image-only model gives the same image as the derivative model", async () => {
      const pts = randomPoints(3, 2);
      const full = await runOnnx(exportModelBytes(ckpt, { derivatives: true }), pts);
      const imageOnly = await runOnnx(exportModelBytes(ckpt, { derivatives: false }), pts);
      expect(Object.keys(imageOnly)).toEqual(["image"]);
      expect(relativeError(imageOnly.image.data as Float32Array, full.image.data as Float32Array)).toBeLessThan(1e-6);
    });
  },
);
