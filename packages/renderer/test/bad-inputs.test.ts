import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "@siren-onnx/core";
import { saveCheckpoint } from "@siren-onnx/core/node";
import { exportCheckpoint, exportModelBytes } from "@siren-onnx/exporter";
import { Graph, GraphOps, graphToOnnx, readModelMetadata } from "@siren-onnx/onnx-graph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorLines, runCli } from "../../../test/support/cli.ts";
import { smallCheckpoint, tempDir } from "../../../test/support/fixtures.ts";
import { renderFormat } from "../src/render-file.ts";
import { loadRenderModel } from "../src/render-model.ts";
import { validateRenderRequest } from "../src/render-request.ts";
import { assertJsonSize } from "../src/value-files.ts";

/** The UserError a call throws (fails the test if it throws anything else or nothing). */
function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).not.toContain("\n");
    return (err as Error).message;
  }
  throw new Error("expected a UserError");
}

async function asyncUserError(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  expect(err.message).not.toContain("\n");
  return err.message;
}

/** A valid ONNX model with the given input and output names, without siren metadata. */
function foreignModel(input: string, output: string): Uint8Array {
  const graph = new Graph("foreign");
  const ops = new GraphOps(graph);
  graph.output(ops.relu(graph.input(input, [-1, 2])), output);
  return graphToOnnx(graph);
}

describe("bad model files", () => {
  it("rejects bytes that are not an ONNX model", () => {
    for (const bytes of [
      new Uint8Array(),
      new TextEncoder().encode("hello, world\n"),
      new Uint8Array([0xff, 0xfe, 7]),
    ]) {
      expect(userError(() => readModelMetadata(bytes))).toMatch(/^not an ONNX model/);
    }
  });

  it("rejects ONNX models without the coords -> image contract or the siren metadata", () => {
    expect(userError(() => readModelMetadata(foreignModel("x", "image")))).toMatch(/no input 'coords'/);
    expect(userError(() => readModelMetadata(foreignModel("coords", "y")))).toMatch(/no output 'image'/);
    expect(userError(() => readModelMetadata(foreignModel("coords", "image")))).toMatch(
      /no 'siren\.spec' metadata \(not exported by siren export\?\)/,
    );
    const valid = readModelMetadata(exportModelBytes(smallCheckpoint("relu"), { derivatives: false }));
    expect(valid.spec.activation).toBe("relu");
  });
});

describe("bad render requests", () => {
  const ok = { width: 64, height: 32 };

  it("states the size limits", () => {
    expect(validateRenderRequest({ ...ok, region: "-4,-4,4,4", output: "laplacian" })).toEqual({
      width: 64,
      height: 32,
      region: { x0: -4, y0: -4, x1: 4, y1: 4 },
      output: "laplacian",
    });
    expect(validateRenderRequest({ width: "8192", height: "8192" }).width).toBe(8192);
    expect(userError(() => validateRenderRequest({ ...ok, width: 0 }))).toMatch(/^width: expected a positive integer/);
    expect(userError(() => validateRenderRequest({ ...ok, height: "12.5" }))).toMatch(/^height: expected a positive/);
    expect(userError(() => validateRenderRequest({ ...ok, width: "abc" }))).toMatch(/^width: expected a positive/);
    expect(userError(() => validateRenderRequest({ ...ok, width: 20000 }))).toMatch(/beyond the limit of 16384/);
    expect(userError(() => validateRenderRequest({ width: 16384, height: 8192 }))).toMatch(
      /beyond the limit of 67108864 pixels \(64 megapixels\)/,
    );
    // The viewer server passes its own, lower cap.
    expect(userError(() => validateRenderRequest({ width: 2048, height: 2048 }, { maxPixels: 2 ** 20 }))).toMatch(
      /beyond the limit of 1048576 pixels/,
    );
  });

  it("rejects malformed regions and unknown outputs", () => {
    for (const region of ["1,2,3", "a,b,c,d", "0,0,0,1", "-1,-1,1,", "0,0,1,1e9"]) {
      expect(userError(() => validateRenderRequest({ ...ok, region }))).toMatch(/^region /);
    }
    expect(userError(() => validateRenderRequest({ ...ok, region: { x0: 0, y0: 0, x1: Number.NaN, y1: 1 } }))).toMatch(
      /^region /,
    );
    expect(userError(() => validateRenderRequest({ ...ok, output: "hessian" }))).toMatch(
      /^output "hessian": expected one of image, gradient/,
    );
  });

  it("rejects unknown formats and oversized JSON renders", () => {
    expect(renderFormat("a.npy")).toBe("npy");
    expect(renderFormat("a.values", "json")).toBe("json");
    expect(userError(() => renderFormat("a.png", "json"))).toMatch(/--format json does not match the file name a\.png/);
    expect(renderFormat("picture")).toBe("png");
    expect(userError(() => renderFormat("a.png", "tiff"))).toMatch(/^format "tiff": expected one of png, npy, json/);
    expect(userError(() => assertJsonSize(8192 * 8192))).toMatch(/use --format npy/);
  });
});

describe("bad files on disk and the CLI", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let model: string;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    await writeFile(join(dir, "notes.onnx"), "not a model");
    await writeFile(join(dir, "corrupt.safetensors"), new Uint8Array(64).fill(9));
    await mkdir(join(dir, "empty-run"));
    await saveCheckpoint(join(dir, "small.safetensors"), smallCheckpoint("sine"));
    model = (await exportCheckpoint(join(dir, "small.safetensors"), join(dir, "small"))).imageModel;
  });
  afterAll(() => cleanup());

  it("gives one-line errors for missing or wrong files", async () => {
    expect(await asyncUserError(loadRenderModel(join(dir, "missing.onnx")))).toMatch(/^model not found: /);
    expect(await asyncUserError(loadRenderModel(join(dir, "notes.onnx")))).toMatch(/notes\.onnx: not an ONNX model/);
    expect(await asyncUserError(exportCheckpoint(join(dir, "nope")))).toMatch(/^no such run directory or checkpoint/);
    expect(await asyncUserError(exportCheckpoint(join(dir, "empty-run")))).toMatch(/has no checkpoint\.safetensors/);
    expect(await asyncUserError(exportCheckpoint(join(dir, "corrupt.safetensors"), join(dir, "c")))).toMatch(
      /corrupt\.safetensors: checkpoint: header length/,
    );
  });

  it("siren render exits with status 2 and one error line", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["render", join(dir, "notes.onnx"), "-o", join(dir, "x.png")], /not an ONNX model/],
      [["render", model, "-o", join(dir, "x.png"), "--width", "99999"], /width: 99999 is beyond the limit of 16384/],
      [
        ["render", model, "-o", join(dir, "x.png"), "--region", "0,0,1"],
        /region "0,0,1": expected four finite numbers/,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    results.forEach((r, i) => {
      expect(r.code).toBe(2);
      const lines = errorLines(r.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(cases[i][1]);
    });
  });

  it("siren export and render work end to end", async () => {
    const prefix = join(dir, "cli", "model");
    const exported = await runCli(["export", join(dir, "small.safetensors"), "-o", prefix]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain("model.deriv.onnx");
    const png = join(dir, "cli", "lap.png");
    const rendered = await runCli(["render", `${prefix}.onnx`, "-o", png, "--output", "laplacian", "--width", "32"]);
    expect(rendered.code).toBe(0);
    expect(rendered.stdout).toMatch(/32 x 21, laplacian, region -1,-1,1,1/);
    expect(rendered.stdout).toMatch(/normalisation: laplacian: diverging/);
    const again = await runCli(["export", join(dir, "small.safetensors"), "-o", prefix]);
    expect(again.code).toBe(2);
    expect(errorLines(again.stderr)).toEqual([expect.stringMatching(/model\.onnx already exists \(use --force/)]);
  });
});
