import { describe, expect, it } from "vitest";
import type { Checkpoint } from "../src/checkpoint.ts";
import {
  METADATA_KEYS,
  type ModelGraphInfo,
  metadataProps,
  modelBaseName,
  modelFilePaths,
  parseModelMetadata,
} from "../src/contract.ts";
import { UserError } from "../src/errors.ts";
import { initParams } from "../src/init.ts";
import { createSpec } from "../src/model-spec.ts";
import { modelFileFor } from "../src/render-outputs.ts";

function checkpoint(): Checkpoint {
  const spec = createSpec("sine", { width: 8, hiddenLayers: 1, outputs: 3 });
  return {
    spec,
    params: initParams(spec, 1),
    training: {
      task: "fit",
      steps: 10,
      lr: 1e-3,
      batch: "full",
      seed: 1,
      loss: 0.01,
      psnr: 20,
      imageWidth: 24,
      imageHeight: 16,
      channels: 3,
      engine: "test",
      seconds: 0.1,
      source: "test.png",
    },
  };
}

const graph: ModelGraphInfo = {
  outputs: ["image"],
  channels: 3,
  hasDerivatives: false,
  producer: "siren-onnx 0.1.0",
  irVersion: 8,
  opset: 17,
};

/** The props of a valid model with one key replaced. */
function props(key?: string, value?: unknown): Map<string, string> {
  const map = new Map(Object.entries(metadataProps(checkpoint(), graph.outputs)));
  if (key !== undefined) map.set(key, JSON.stringify(value));
  return map;
}

function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error("expected a UserError");
}

describe("model metadata", () => {
  it("round-trips what the exporter writes", () => {
    const m = parseModelMetadata(props(), graph);
    expect(m.spec).toEqual(checkpoint().spec);
    expect(m.training).toEqual(checkpoint().training);
    expect(m.source).toEqual({ width: 24, height: 16, channels: 3, file: "test.png" });
    expect(m.task).toBe("fit");
    expect(m.outputs).toEqual(["image"]);
  });

  it("names the bad field", () => {
    const { steps: _steps, ...noSteps } = checkpoint().training;
    expect(userError(() => parseModelMetadata(props(METADATA_KEYS.training, noSteps), graph))).toBe(
      "model metadata 'siren.training': training.steps is missing or not a number",
    );
    expect(
      userError(() =>
        parseModelMetadata(props(METADATA_KEYS.training, { ...noSteps, steps: 1, batch: "half" }), graph),
      ),
    ).toMatch(/^model metadata 'siren.training': training.batch must be a number or "full"$/);
    expect(
      userError(() => parseModelMetadata(props(METADATA_KEYS.source, { width: "24", height: 16, channels: 3 }), graph)),
    ).toBe("model metadata 'siren.source': source.width is missing or not a number");
    expect(userError(() => parseModelMetadata(props(METADATA_KEYS.source, [1]), graph))).toMatch(
      /source.width is missing/,
    );
    expect(userError(() => parseModelMetadata(props(METADATA_KEYS.training, "x"), graph))).toBe(
      "model metadata: source and training must be JSON objects",
    );
    expect(userError(() => parseModelMetadata(props(), { ...graph, channels: 1 }))).toMatch(
      /has 1 channels, its spec says 3/,
    );
  });
});

describe("model files", () => {
  it("have one base name and two suffixes", () => {
    for (const path of ["a/b.onnx", "a/b.deriv.onnx", "a/b"]) expect(modelBaseName(path)).toBe("a/b");
    expect(modelFilePaths("a/b")).toEqual({ image: "a/b.onnx", derivatives: "a/b.deriv.onnx" });
  });

  it("serve the image from the image-only file when there is one, derivatives from the derivative file", () => {
    const both = { image: "m.onnx", derivatives: "m.deriv.onnx" };
    expect(modelFileFor(both, "image")).toBe("m.onnx");
    expect(modelFileFor(both, "laplacian")).toBe("m.deriv.onnx");
    expect(modelFileFor({ derivatives: "m.deriv.onnx" }, "image")).toBe("m.deriv.onnx");
    expect(modelFileFor({ image: "m.onnx" }, "gradient-x")).toBeUndefined();
  });
});
