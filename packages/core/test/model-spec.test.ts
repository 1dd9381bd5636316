import { describe, expect, it } from "vitest";
import {
  createSpec,
  DEFAULT_FIRST_BIAS_SCALE,
  DEFAULT_OMEGA0,
  layerShapes,
  modelLabel,
  nyquistOctaves,
  parameterCount,
  parseModelKind,
  validateSpec,
} from "../src/model-spec.ts";

describe("model spec", () => {
  it("defaults to the reference SIREN: 2 -> 3 x 256 hidden -> 1, omega0 30", () => {
    const spec = createSpec("sine");
    expect(spec).toMatchObject({ activation: "sine", omega0: 30, inputs: 2, width: 256, hiddenLayers: 3, outputs: 1 });
    expect(layerShapes(spec)).toEqual([
      [256, 2],
      [256, 256],
      [256, 256],
      [256, 256],
      [1, 256],
    ]);
    expect(parameterCount(spec)).toBe(256 * 3 + 3 * (256 * 256 + 256) + 257);
  });

  it("widens the first layer of relu-pe to the encoding [p, sin(Bp), cos(Bp)]", () => {
    const spec = createSpec("relu-pe", { width: 16, hiddenLayers: 1, peFrequencies: 5, outputs: 3 });
    expect(layerShapes(spec)[0]).toEqual([16, 2 + 4 * 5]);
    expect(layerShapes(spec).at(-1)).toEqual([3, 16]);
    expect(nyquistOctaves(256)).toBe(6);
    expect(nyquistOctaves(4)).toBe(1);
  });

  it("maps CLI model names and names an unknown one", () => {
    expect(parseModelKind("siren")).toBe("sine");
    expect(parseModelKind("relu-pe")).toBe("relu-pe");
    expect(modelLabel("sine")).toBe("siren");
    expect(() => parseModelKind("gelu")).toThrow(/unknown model "gelu" \(expected one of: siren, relu/);
    expect(parseModelKind("finer")).toBe("finer");
    expect(parseModelKind("gauss")).toBe("gauss");
    expect(() => parseModelKind("wire")).toThrow(/relu-pe, finer, gauss\)$/);
  });

  it("gives finer and gauss their own defaults, and finer its first-layer bias range", () => {
    expect(createSpec("finer")).toMatchObject({
      omega0: DEFAULT_OMEGA0.finer,
      firstBiasScale: DEFAULT_FIRST_BIAS_SCALE,
    });
    expect(createSpec("gauss").omega0).toBe(DEFAULT_OMEGA0.gauss);
    expect(createSpec("finer", { firstBiasScale: 5 }).firstBiasScale).toBe(5);
    // Only finer carries it: other specs stay as they were.
    expect("firstBiasScale" in createSpec("sine", { firstBiasScale: 5 })).toBe(false);
    const finer = createSpec("finer", { width: 8 });
    expect(validateSpec(JSON.parse(JSON.stringify(finer)))).toEqual(finer);
    expect(() => validateSpec({ ...finer, firstBiasScale: undefined })).toThrow(/spec\.firstBiasScale/);
    expect(() => validateSpec({ ...finer, firstBiasScale: -1 })).toThrow(/spec\.firstBiasScale/);
  });

  it("validates an untrusted spec and names the first bad field", () => {
    const good = createSpec("tanh", { width: 8 });
    expect(validateSpec(JSON.parse(JSON.stringify(good)))).toEqual(good);
    expect(() => validateSpec(null)).toThrow(/spec: expected an object/);
    expect(() => validateSpec({ ...good, hiddenLayers: 1.5 })).toThrow(/spec\.hiddenLayers: expected an integer/);
    expect(() => validateSpec({ ...good, width: 5000 })).toThrow(/spec\.width: expected an integer in 1\.\.4096/);
    expect(() => validateSpec({ ...good, inputs: 3 })).toThrow(/spec\.inputs: expected 2/);
    expect(() => validateSpec({ ...good, omega0: 0 })).toThrow(/spec\.omega0/);
    expect(() => validateSpec({ ...good, peFrequencies: undefined })).toThrow(/spec\.peFrequencies/);
  });
});
