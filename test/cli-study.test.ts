import { existsSync } from "node:fs";
import { join } from "node:path";
import { estimateStudySeconds, FULL_STUDY, planStudy, QUICK_STUDY } from "@siren-onnx/study";
import { describe, expect, it } from "vitest";
import { tempDir } from "../packages/trainer/test/helpers.ts";
import { errorLines, runCli } from "./support/cli.ts";

/** What `siren study` says and refuses before it trains anything. */
describe("siren study options", () => {
  it("lists every section, zoom included, and the --reference and --device options", async () => {
    const r = await runCli(["study", "--help"]);
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, " ");
    for (const words of ["FINER, Gauss", "held-out zoom", "(zoom included)", "--reference", "lr 1e-4", "--device"]) {
      expect(help).toContain(words);
    }
    // The minutes are the cost model's, not a fixed text.
    for (const config of [FULL_STUDY, QUICK_STUDY]) {
      const minutes = Math.round(estimateStudySeconds(planStudy(config), config) / 60);
      expect(help).toContain(`about ${minutes} minutes on 2 cores`);
    }
  });

  it("refuses --reference with --quick, and an unknown device, in one line and before writing anything", async () => {
    const dir = await tempDir();
    const both = await runCli(["study", "--reference", "--quick", "--out", join(dir, "a")]);
    expect(both.code).toBe(2);
    expect(errorLines(both.stderr)).toEqual([
      "error: --reference does not go with --quick: --reference is the paper's full settings (256², 10k steps), --quick the short CPU study",
    ]);
    const device = await runCli(["study", "--device", "gpu", "--out", join(dir, "b")]);
    expect(device.code).toBe(2);
    expect(errorLines(device.stderr)).toEqual(['error: --device: expected cpu, cuda, webgpu or auto, got "gpu"']);
    expect(existsSync(join(dir, "a")) || existsSync(join(dir, "b"))).toBe(false);
  });
});
