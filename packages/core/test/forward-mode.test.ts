import { describe, expect, it } from "vitest";
import { ACTIVATIONS, SCALAR_ACTIVATIONS } from "../src/activations.ts";
import { float64Ops, matrix, paramsToMatrices } from "../src/float64-ops.ts";
import { forwardJet } from "../src/forward-mode.ts";
import { initParams } from "../src/init.ts";
import { ACTIVATION_NAMES, createSpec, type ModelKind } from "../src/model-spec.ts";
import { SeededRandom } from "../src/random.ts";

const KINDS: ModelKind[] = [...ACTIVATION_NAMES];

/** Central differences of the network's value in float64: gradient (h) and 5-point Laplacian. */
function finiteDifferences(kind: ModelKind, outputs: 1 | 3, x: number, y: number) {
  const spec = createSpec(kind, { width: 16, hiddenLayers: 2, outputs, peFrequencies: 3 });
  const layers = paramsToMatrices(initParams(spec, 21));
  const f = (px: number, py: number) => forwardJet(float64Ops, spec, layers, matrix(1, 2, [px, py]), 0).value.data;
  const h = 1e-5; // first derivatives: error ~h^2 f''' + eps/h
  // Second derivatives: error ~h^2 f'''' + eps/h^2. finer's frequency omega0 (1 + 2|z|) makes
  // f'''' larger, so it takes a smaller step (its error falls as h^2 to the analytic value).
  const hl = kind === "finer" ? 2.5e-5 : 1e-4;
  const c = f(x, y);
  const [xp, xm, yp, ym] = [f(x + h, y), f(x - h, y), f(x, y + h), f(x, y - h)];
  const [lxp, lxm, lyp, lym] = [f(x + hl, y), f(x - hl, y), f(x, y + hl), f(x, y - hl)];
  return {
    spec,
    layers,
    value: c,
    dx: c.map((_, k) => (xp[k] - xm[k]) / (2 * h)),
    dy: c.map((_, k) => (yp[k] - ym[k]) / (2 * h)),
    laplacian: c.map((_, k) => (lxp[k] + lxm[k] + lyp[k] + lym[k] - 4 * c[k]) / (hl * hl)),
  };
}

describe("forwardJet (float64) vs central finite differences", () => {
  const rng = new SeededRandom(4);
  const points = Array.from({ length: 3 }, () => [rng.uniform(-0.9, 0.9), rng.uniform(-0.9, 0.9)]);

  it.each(KINDS.flatMap((kind) => ([1, 3] as const).map((outputs) => [kind, outputs] as const)))(
    "%s, %i channel(s): value, gradient and Laplacian",
    (kind, outputs) => {
      for (const [x, y] of points) {
        const fd = finiteDifferences(kind, outputs, x, y);
        const jet = forwardJet(float64Ops, fd.spec, fd.layers, matrix(1, 2, [x, y]), 2);
        // The derivative scale of a SIREN is about omega0 per layer: compare relative to it.
        const scale = (values: Float64Array) => Math.max(1, ...values.map(Math.abs));
        for (let k = 0; k < outputs; k++) {
          const where = `${kind} at (${x.toFixed(3)}, ${y.toFixed(3)}) channel ${k}`;
          expect(jet.value.data[k], where).toBe(fd.value[k]);
          expect(Math.abs(jet.gradient![0].data[k] - fd.dx[k]), `${where} d/dx`).toBeLessThan(1e-6 * scale(fd.dx));
          expect(Math.abs(jet.gradient![1].data[k] - fd.dy[k]), `${where} d/dy`).toBeLessThan(1e-6 * scale(fd.dy));
          if (kind === "relu") {
            // Piecewise linear: the Laplacian is exactly 0 (and the FD sees 0 away from kinks).
            expect(jet.laplacian!.data[k]).toBe(0);
          } else {
            expect(Math.abs(jet.laplacian!.data[k] - fd.laplacian[k]), `${where} laplacian`).toBeLessThan(
              1e-4 * scale(fd.laplacian),
            );
          }
        }
      }
    },
  );

  it("computes each point independently in a batch, and order 0 gives only the value", () => {
    const spec = createSpec("tanh", { width: 8, hiddenLayers: 1 });
    const layers = paramsToMatrices(initParams(spec, 1));
    const flat = points.flat();
    const batch = forwardJet(float64Ops, spec, layers, matrix(points.length, 2, flat), 2);
    points.forEach(([x, y], i) => {
      const single = forwardJet(float64Ops, spec, layers, matrix(1, 2, [x, y]), 2);
      expect(batch.value.data[i]).toBe(single.value.data[0]);
      expect(batch.gradient![1].data[i]).toBe(single.gradient![1].data[0]);
      expect(batch.laplacian!.data[i]).toBe(single.laplacian!.data[0]);
    });
    const valueOnly = forwardJet(float64Ops, spec, layers, matrix(points.length, 2, flat), 0);
    expect(valueOnly.gradient).toBeUndefined();
    expect(Array.from(valueOnly.value.data)).toEqual(Array.from(batch.value.data));
  });
});

describe("activation table", () => {
  const OMEGA0 = 7;
  it.each(["sine", "relu", "tanh", "sigmoid", "finer", "gauss"] as const)(
    "%s: f' and f'' match finite differences and the tensor version",
    (name) => {
      const scalar = (z: number) => SCALAR_ACTIVATIONS[name](z, OMEGA0);
      // finer's frequency grows with |z|: its points stay where a step of h still resolves it.
      const zs = name === "finer" ? [-0.9, -0.31, 0.04, 0.2, 0.75] : [-2.3, -0.7, 0.2, 1.1, 3.4];
      const tensor = ACTIVATIONS[name](float64Ops, matrix(1, zs.length, zs), 2, OMEGA0);
      zs.forEach((z, i) => {
        const [f, df, d2f] = scalar(z);
        const h = 1e-5;
        const size = Math.max(1, Math.abs(df), Math.abs(d2f));
        expect(Math.abs(df - (scalar(z + h)[0] - scalar(z - h)[0]) / (2 * h)), `f' at ${z}`).toBeLessThan(1e-8 * size);
        expect(Math.abs(d2f - (scalar(z + h)[1] - scalar(z - h)[1]) / (2 * h)), `f'' at ${z}`).toBeLessThan(
          1e-7 * size,
        );
        expect(tensor.f.data[i]).toBeCloseTo(f, 14);
        expect(tensor.df!.data[i]).toBeCloseTo(df, 12);
        // ReLU leaves f'' implicit (it is zero).
        expect(tensor.d2f ? tensor.d2f.data[i] : 0).toBeCloseTo(d2f, 11);
      });
    },
  );

  it("finer: f = sin(omega0 (|z| + 1) z); f' is continuous at the kink z = 0, f'' jumps by 4 omega0", () => {
    const finer = (z: number) => SCALAR_ACTIVATIONS.finer(z, OMEGA0);
    for (const z of [-0.8, -0.1, 0.3, 1.7]) expect(finer(z)[0]).toBe(Math.sin(OMEGA0 * (Math.abs(z) + 1) * z));
    const tiny = 1e-9;
    // f' -> omega0 from both sides (g' = omega0 (1 + 2|z|)): no jump.
    expect(finer(-tiny)[1]).toBeCloseTo(OMEGA0, 6);
    expect(finer(tiny)[1]).toBeCloseTo(OMEGA0, 6);
    // One-sided f'' limits -/+ 2 omega0 (g'' = 2 omega0 sign z); at 0 itself their mean, 0.
    expect(finer(-tiny)[2]).toBeCloseTo(-2 * OMEGA0, 6);
    expect(finer(tiny)[2]).toBeCloseTo(2 * OMEGA0, 6);
    expect(finer(0)[2]).toBe(0);
    const tensor = ACTIVATIONS.finer(float64Ops, matrix(1, 3, [-tiny, 0, tiny]), 2, OMEGA0);
    expect(Array.from(tensor.d2f!.data).map((v) => Math.round(v / OMEGA0))).toEqual([-2, 0, 2]);
    // Finite differences of f' on either side see the same one-sided limits.
    const h = 1e-6;
    const fd = (z: number) => (finer(z + h)[1] - finer(z - h)[1]) / (2 * h);
    expect(fd(2 * h)).toBeCloseTo(2 * OMEGA0, 2);
    expect(fd(-2 * h)).toBeCloseTo(-2 * OMEGA0, 2);
  });
});
