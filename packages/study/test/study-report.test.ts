import { access, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "@siren-onnx/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  estimateRunSeconds,
  FULL_STUDY,
  inpaintPoints,
  planStudy,
  QUICK_STUDY,
  REPORT_SECTIONS,
  type RunStudyOptions,
  runStudy,
  type StudyConfig,
  studyConfig,
} from "../src/index.ts";

/** A study small enough for a test: 16² images, 16-wide networks, a handful of steps. */
const TINY: Partial<StudyConfig> = {
  size: 16,
  width: 16,
  hiddenLayers: 1,
  steps: { fit: 6, "poisson-gradient": 4, "poisson-laplacian": 4, blend: 4, inpaint: 4 },
  threads: 1,
};

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

let root = "";
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "siren-study-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const study = (out: string, extra: Partial<RunStudyOptions> = {}) =>
  runStudy({ out, config: TINY, progress: false, log: () => {}, ...extra });

describe("siren study (tiny configuration)", () => {
  const runs = planStudy(studyConfig({ config: TINY }));
  let out = "";
  let html = "";
  let results: { runs: Record<string, { value: number; metric: string }> } = { runs: {} };

  beforeAll(async () => {
    out = join(root, "report");
    const result = await study(out);
    expect(result.trained).toBe(runs.length);
    html = await readFile(result.html, "utf8");
    results = JSON.parse(await readFile(result.results, "utf8"));
  });

  it("plans every run of the paper: 5 fits, 3 + 3 Poisson, a blend and 4 inpaintings", () => {
    const ids = runs.map((r) => r.id);
    expect(ids).toHaveLength(16);
    expect(ids).toEqual(expect.arrayContaining(["fit-siren", "fit-relu-pe", "poisson-laplacian-tanh", "blend-siren"]));
    expect(inpaintPoints(FULL_STUDY)).toEqual([1000, 5000, 10000, 30000]);
    expect(inpaintPoints({ ...FULL_STUDY, size: 128 })).toEqual([250, 1250, 2500, 7500]);
  });

  it("has every section of the study in the HTML", () => {
    for (const id of REPORT_SECTIONS) expect(html).toContain(`<section id="${id}">`);
  });

  it("references only pictures that exist inside the report folder", async () => {
    const sources = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]);
    // image + 5 fits; 1 + 5 gradients; 1 + 5 Laplacians; 5 out-of-sample; 2 x (1 + 3 + 1 + 3) Poisson; 4 blend; 4 x 2 inpaint.
    expect(sources).toHaveLength(6 + 6 + 6 + 5 + 16 + 4 + 8);
    for (const src of sources) {
      expect(src.startsWith("/") || src.includes("..")).toBe(false);
      expect(await exists(join(out, src)), src).toBe(true);
    }
    for (const id of ["fit-relu-laplacian", "fit-siren-outside", "poisson-gradient-siren-supervised"]) {
      expect(sources).toContain(`pictures/${id}.png`);
    }
    expect(html).toContain("runs/inpaint-4-siren/known.png");
  });

  it("has the tables (one row per run) and the curves", () => {
    const tables = [...html.matchAll(/<section id="([^"]+)">([\s\S]*?)<\/section>/g)].map(([, id, body]) => [
      id,
      (body.match(/<tr>/g) ?? []).length - 1,
    ]);
    expect(Object.fromEntries(tables)).toMatchObject({
      fitting: 5,
      "poisson-gradient": 3,
      "poisson-laplacian": 3,
      blending: 1,
      inpainting: 4,
    });
    expect((html.match(/<svg /g) ?? []).length).toBe(3);
    expect(html).toContain("32.9"); // the paper's SIREN number beside ours
  });

  it("writes a number for each run into results.json", () => {
    expect(Object.keys(results.runs).sort()).toEqual(runs.map((r) => r.id).sort());
    for (const r of Object.values(results.runs)) expect(Number.isFinite(r.value)).toBe(true);
    expect(results.runs["poisson-gradient-siren"].metric).toBe("psnrAffine");
  });

  it("exports every model for siren serve", async () => {
    for (const run of runs) {
      expect(await exists(join(out, "models", `${run.id}.onnx`))).toBe(true);
      expect(await exists(join(out, "models", `${run.id}.deriv.onnx`))).toBe(true);
    }
  });

  it("resumes: finished runs are reused, changed ones retrained", async () => {
    const again = await study(out);
    expect([again.trained, again.reused]).toEqual([0, runs.length]);
    const changed = await study(out, { config: { ...TINY, steps: { ...TINY.steps!, inpaint: 5 } } });
    expect([changed.trained, changed.reused]).toEqual([4, runs.length - 4]);
  });
});

describe("report folder safety", () => {
  it("refuses a non-empty folder that is not a study report unless forced", async () => {
    const out = join(root, "someone-else");
    await mkdir(out);
    await writeFile(join(out, "notes.txt"), "mine");
    await expect(study(out)).rejects.toThrow(
      new UserError(
        `--out: ${out} is not empty and holds no study.json (not a study report); choose another --out or pass --force`,
      ),
    );
    const one: Partial<StudyConfig> = {
      ...TINY,
      fitModels: ["sine"],
      poissonModels: [],
      blendModels: [],
      inpaintPoints256: [],
    };
    const forced = await study(out, { force: true, config: one });
    expect(forced.trained).toBe(1);
    expect(await readFile(join(out, "notes.txt"), "utf8")).toBe("mine");
  });

  it("names a missing image", async () => {
    await expect(study(join(root, "missing"), { image: join(root, "nope.png") })).rejects.toThrow(
      /image not found: .*nope\.png/,
    );
  });
});

describe("cost model", () => {
  it("charges derivative supervision more, and the quick study far less than the full one", () => {
    const [fit, gradient, laplacian] = (["fit", "poisson-gradient", "poisson-laplacian"] as const).map((task) =>
      estimateRunSeconds({ id: task, task, model: "sine", steps: 100 }, FULL_STUDY),
    );
    expect(gradient).toBeGreaterThan(fit);
    expect(laplacian).toBeGreaterThan(2 * gradient);
    const total = (c: StudyConfig) => planStudy(c).reduce((s, r) => s + estimateRunSeconds(r, c), 0);
    expect(total(QUICK_STUDY)).toBeLessThan(total(FULL_STUDY) / 4);
  });
});
