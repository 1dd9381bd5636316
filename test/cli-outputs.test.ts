import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../packages/trainer/test/helpers.ts";
import { errorLines, runCli } from "./support/cli.ts";

/** Where `siren export` and `siren render` put files, and what they refuse. */
describe("output paths of export and render", () => {
  it("export -o <folder>/ writes the default model name inside the folder", async () => {
    const dir = await tempDir();
    const r = await runCli(["export", "models/siren.safetensors", "-o", `${join(dir, "new")}/`]);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, "new", "siren.onnx"))).toBe(true);
    expect(existsSync(join(dir, "new", "siren.deriv.onnx"))).toBe(true);
  });

  it("render refuses a folder as output before rendering", async () => {
    const dir = await tempDir();
    const r = await runCli(["render", "models/siren.onnx", "-o", `${join(dir, "pics")}/`, "--width", "8"]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr).join("\n")).toMatch(/names a folder; give a file name/);
  });

  it("render refuses a format that contradicts the file name, and unknown extensions", async () => {
    const dir = await tempDir();
    const mismatch = await runCli([
      "render",
      "models/siren.onnx",
      "-o",
      join(dir, "x.png"),
      "--format",
      "npy",
      "--width",
      "8",
    ]);
    expect(errorLines(mismatch.stderr).join("\n")).toMatch(/--format npy does not match the file name/);
    const unknown = await runCli(["render", "models/siren.onnx", "-o", join(dir, "x.txt"), "--width", "8"]);
    expect(errorLines(unknown.stderr).join("\n")).toMatch(/unknown extension "\.txt"/);
    expect(existsSync(join(dir, "x.png")) || existsSync(join(dir, "x.txt"))).toBe(false);
  });

  it("render names an unwritable destination in one line", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "ro"));
    await writeFile(join(dir, "ro", "file"), "x");
    const r = await runCli(["render", "models/siren.onnx", "-o", join(dir, "ro", "file", "out.png"), "--width", "8"]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr).join("\n")).toMatch(/cannot write .*out\.png/);
  });
});
