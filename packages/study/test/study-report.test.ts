import { access, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "@siren-onnx/core";
import { loadImage, type TrainImageOptions, trainDefaults } from "@siren-onnx/trainer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUNDLED_IMAGES,
  estimateRunSeconds,
  estimateStudySeconds,
  estimateWarmStartSeconds,
  FULL_STUDY,
  inpaintPoints,
  KIND_COST_FACTOR,
  modelColor,
  planStudy,
  QUICK_STUDY,
  REFERENCE_STUDY,
  REPORT_SECTIONS,
  type RunStudyOptions,
  runFingerprint,
  runStudy,
  type StudyConfig,
  type StudyResultsFile,
  type StudyRun,
  studyConfig,
  trainerTask,
  zoomInput,
} from "../src/index.ts";

/** A study small enough for a test: 16² images, 16-wide networks, a handful of steps. */
const TINY: Partial<StudyConfig> = {
  size: 16,
  width: 16,
  hiddenLayers: 1,
  steps: { fit: 6, "poisson-gradient": 4, "poisson-laplacian": 4, blend: 4, inpaint: 4 },
  // ×4 would leave 4² pixels, below the trainer's 8²: only ×2 runs at this size.
  zoomModels: ["sine", "relu"],
  zoomFactors: [2, 4],
  zoomSteps: 4,
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
  let results = {} as StudyResultsFile;
  const trained: Array<{ run: StudyRun; options: TrainImageOptions }> = [];

  beforeAll(async () => {
    out = join(root, "report");
    const result = await study(out, { onTrain: (run, options) => trained.push({ run, options }) });
    expect(result.trained).toBe(runs.length);
    html = await readFile(result.html, "utf8");
    results = JSON.parse(await readFile(result.results, "utf8"));
  });

  it("plans every run of the paper: 7 fits, 3 + 3 Poisson, a blend, 4 inpaintings, and the zoom runs", () => {
    const ids = runs.map((r) => r.id);
    expect(ids).toHaveLength(18 + 2);
    expect(ids).toEqual(
      expect.arrayContaining([
        "fit-siren",
        "fit-relu-pe",
        "fit-finer",
        "fit-gauss",
        "poisson-laplacian-tanh",
        "blend-siren",
        "zoom-2-relu",
      ]),
    );
    expect(inpaintPoints(FULL_STUDY)).toEqual([1000, 5000, 10000, 30000]);
    expect(inpaintPoints({ ...FULL_STUDY, size: 128 })).toEqual([250, 1250, 2500, 7500]);
    const zoomIds = (c: StudyConfig) => planStudy(c).filter((r) => r.task === "zoom");
    expect(zoomIds(FULL_STUDY).map((r) => r.id)).toContain("zoom-4-gauss"); // 7 model kinds at x2 and x4
    expect(zoomIds(QUICK_STUDY).map((r) => r.factor)).toEqual([...Array(7).fill(2), ...Array(7).fill(4)]);
    // FINER and Gauss are not in the Poisson and inpainting rows (the 45-minute budget).
    const later = planStudy(FULL_STUDY).filter((r) => r.model === "finer" || r.model === "gauss");
    expect([...new Set(later.map((r) => r.task))]).toEqual(["fit", "zoom"]);
  });

  it("gives every run its task's (and model kind's) default lr, batch and schedule, and trains it with them", () => {
    expect(trained.length).toBe(runs.length);
    for (const { run, options } of trained) {
      const d = trainDefaults(trainerTask(run.task), run.model);
      expect([run.lr, run.batch, run.schedule], run.id).toEqual([d.lr, d.batch, d.schedule]);
      expect([options.lr, options.batch, options.schedule], run.id).toEqual([run.lr, run.batch, run.schedule]);
    }
    expect(html).toContain("trained with each task's (and model kind's) default lr, batch and schedule");
  });

  it("has every section of the study in the HTML, each with its computed conclusions", () => {
    for (const id of REPORT_SECTIONS) expect(html).toContain(`<section id="${id}">`);
    const sections = Object.fromEntries(
      [...html.matchAll(/<section id="([^"]+)">([\s\S]*?)<\/section>/g)].map(([, id, body]) => [id, body]),
    );
    for (const id of REPORT_SECTIONS.filter((s) => s !== "out-of-sample")) {
      expect(sections[id], id).toContain('<ul class="conclusions">');
    }
    // The fixed sentences are gone: the verdicts come from the numbers.
    expect(html).not.toContain("SIREN converges fastest and reaches the highest PSNR.");
    expect(html).toMatch(/paper: (agrees|contradicts)/);
  });

  it("references only pictures that exist inside the report folder, each clickable at full size", async () => {
    const sources = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]);
    // image + 7 fits; 1 + 7 gradients; 1 + 7 Laplacians; 7 out-of-sample; 2 x (1 + 3 + 1 + 3 + 1 solver) Poisson;
    // 5 blend (with the solver); 4 x 3 inpaint (with interpolation); zoom: input, image, bicubic, Lanczos + 2 models.
    expect(sources).toHaveLength(8 + 8 + 8 + 7 + 18 + 5 + 12 + 6);
    for (const src of sources) {
      expect(src.startsWith("/") || src.includes("..")).toBe(false);
      expect(await exists(join(out, src)), src).toBe(true);
    }
    const links = [...html.matchAll(/<a class="zoomable" href="([^"]+)"/g)].map((m) => m[1]);
    expect(links).toEqual(sources);
    expect((html.match(/<span class="norm">[^<]+<\/span>/g) ?? []).length).toBe(sources.length);
    for (const id of [
      "fit-relu-laplacian",
      "fit-siren-outside",
      "fit-finer-gradient",
      "fit-gauss-outside",
      "poisson-gradient-siren-supervised",
      "classical-poisson-laplacian",
      "classical-inpaint-4",
      "classical-zoom-2-lanczos3",
      "zoom-2-siren-zoom",
    ]) {
      expect(sources).toContain(`pictures/${id}.png`);
    }
    expect(html).toContain("runs/inpaint-4-siren/known.png");
  });

  it("has the tables (one row per run, plus floors and classical rows) and curves for every task", () => {
    const tables = [...html.matchAll(/<section id="([^"]+)">([\s\S]*?)<\/section>/g)].map(([, id, body]) => [
      id,
      (body.match(/<tr[ >]/g) ?? []).length - 1,
    ]);
    expect(Object.fromEntries(tables)).toMatchObject({
      fitting: 7,
      derivatives: 1 + 7,
      "poisson-gradient": 3 + 2,
      "poisson-laplacian": 3 + 2,
      blending: 1 + 2,
      inpainting: 4,
      zoom: 2 + 3,
    });
    // fitting, 2 x Poisson, blending, inpainting, zoom
    expect((html.match(/<svg /g) ?? []).length).toBe(6);
    expect(html).toContain("32.9"); // the paper's SIREN number beside ours
    expect(html).toContain("own normalisation");
    for (const name of ["<td>FINER</td>", "<td>Gauss</td>"]) expect(html).toContain(name);
  });

  it("draws the seven fitting curves in seven colours, each model in its own colour in every chart", () => {
    const section = (id: string) => html.match(new RegExp(`<section id="${id}">([\\s\\S]*?)</section>`))![1];
    const strokes = (id: string) =>
      [...section(id).matchAll(/<path d="[^"]*" fill="none" stroke="([^"]+)"/g)].map((m) => m[1]);
    const fitting = strokes("fitting");
    expect(fitting).toHaveLength(2 * 7); // loss and PSNR
    expect(new Set(fitting).size).toBe(7);
    expect(strokes("poisson-gradient")).toContain(modelColor("siren"));
    expect(strokes("zoom")).toEqual(expect.arrayContaining([modelColor("siren"), modelColor("relu")]));
  });

  it("writes every number the sentences use into results.json", () => {
    expect(Object.keys(results.runs).sort()).toEqual(runs.map((r) => r.id).sort());
    for (const r of Object.values(results.runs)) expect(Number.isFinite(r.value), r.id).toBe(true);
    expect(results.runs["poisson-gradient-siren"].metric).toBe("psnrAffine");
    expect(results.runs["zoom-2-siren"].metric).toBe("psnrZoom");
    expect(results.runs["fit-siren"].curve.length).toBeGreaterThan(1);
    expect(Number.isFinite(results.runs["fit-tanh"].derivatives?.laplacian.correlation)).toBe(true);
    expect(results.runs["fit-relu"].derivatives?.laplacian.constant).toBe(true);
    const { poisson, inpaint, zoom } = results.baselines;
    // The direct solver rebuilds the image from its own finite differences: far above any network.
    expect(poisson["poisson-gradient"]!.solver.psnr).toBeGreaterThan(80);
    expect(poisson["poisson-laplacian"]!.solver.psnr).toBeGreaterThan(80);
    expect(poisson.blend!.solver.psnr).toBeGreaterThan(80);
    expect(poisson["poisson-gradient"]!.constant).toBeLessThan(poisson["poisson-gradient"]!.solver.psnr);
    expect(Object.keys(inpaint).sort()).toEqual(
      inpaintPoints(studyConfig({ config: TINY }))
        .map(String)
        .sort(),
    );
    expect(Object.keys(zoom)).toEqual(["2"]);
    expect(zoom["2"].bicubic).toBeGreaterThan(zoom["2"].constant);
  });

  it("never shows a zoom model the full-resolution pixels: it trains on the small PNG alone", async () => {
    const zoomRuns = trained.filter((t) => t.run.task === "zoom");
    expect(zoomRuns.map((t) => t.run.id).sort()).toEqual(["zoom-2-relu", "zoom-2-siren"]);
    const full = await loadImage(BUNDLED_IMAGES.image, { size: 16 });
    const expected = zoomInput(full, 2);
    for (const { options } of zoomRuns) {
      expect(options.task).toBe("fit");
      expect(options.size).toBe(8);
      expect(options.image).toBe(join(out, "pictures", "zoom-2-input.png"));
      const shown = await loadImage(options.image, { size: 8 });
      expect([shown.width, shown.height]).toEqual([8, 8]);
      expect(Array.from(shown.data)).toEqual(Array.from(expected.data));
    }
    // Every other run is given the full image (the zoom runs are the only held-out ones).
    for (const { run, options } of trained.filter((t) => t.run.task !== "zoom")) {
      expect([options.image, options.size], run.id).toEqual([BUNDLED_IMAGES.image, 16]);
    }
    const metrics = JSON.parse(await readFile(join(out, "runs", "zoom-2-siren", "metrics.json"), "utf8"));
    expect([metrics.image.width, metrics.image.height]).toEqual([8, 8]);
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
      zoomModels: [],
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

/** A planned run of the full study, with fields changed. */
const fullRun = (fields: Partial<StudyRun> & Pick<StudyRun, "task" | "model">): StudyRun => {
  const planned = planStudy(FULL_STUDY).find((r) => r.task === fields.task)!;
  return { ...planned, id: "x", factor: undefined, points: undefined, ...fields };
};

describe("cost model", () => {
  it("charges derivative supervision more, and the quick study far less than the full one", () => {
    // Per step: the cost of 100 more steps (a coarse warm start and the fixed costs cancel).
    const [fit, gradient, laplacian] = (["fit", "poisson-gradient", "poisson-laplacian"] as const).map(
      (task) =>
        estimateRunSeconds(fullRun({ task, model: "sine", steps: 200 }), FULL_STUDY) -
        estimateRunSeconds(fullRun({ task, model: "sine", steps: 100 }), FULL_STUDY),
    );
    expect(gradient).toBeGreaterThan(fit);
    // A Laplacian step is about 1.5 gradient steps on the 2-core Xeon (data-parallel).
    expect(laplacian).toBeGreaterThan(1.3 * gradient);
    const total = (c: StudyConfig) => planStudy(c).reduce((s, r) => s + estimateRunSeconds(r, c), 0);
    expect(total(QUICK_STUDY)).toBeLessThan(total(FULL_STUDY) / 4);
  });

  it("gives the warm start its own share of a run's time (the study's ETA counts it as it goes)", () => {
    const run = fullRun({ task: "fit", model: "sine" });
    const warm = estimateWarmStartSeconds(run, FULL_STUDY);
    expect(warm).toBeGreaterThan(0);
    expect(warm).toBeLessThan(estimateRunSeconds(run, FULL_STUDY) / 2);
    expect(estimateWarmStartSeconds({ ...run, batch: "full" }, FULL_STUDY)).toBe(0);
  });

  it("charges FINER's step about 1.5x SIREN's and Gauss's about 0.8x (the measured factors)", () => {
    expect(KIND_COST_FACTOR).toEqual({ finer: 1.5, gauss: 0.8 });
    const [siren, finer, gauss, relu] = (["sine", "finer", "gauss", "relu"] as const).map((model) =>
      // Full batch: no warm start (the kinds' fitting warm starts differ).
      estimateRunSeconds(fullRun({ task: "fit", model, steps: 1000, batch: "full" }), FULL_STUDY),
    );
    // Per-step and per-run overheads are not scaled: the ratios sit a little inside the factors.
    expect(finer / siren).toBeGreaterThan(1.4);
    expect(finer / siren).toBeLessThan(1.5);
    expect(gauss / siren).toBeGreaterThan(0.8);
    expect(gauss / siren).toBeLessThan(0.85);
    expect(relu).toBeCloseTo(siren, 6); // the same FLOPs, no factor
  });

  it("keeps the printed budgets: the full study within 45 minutes on 2 cores, --quick within 10, report included", () => {
    const minutes = (c: StudyConfig) => estimateStudySeconds(planStudy(c), c) / 60;
    expect(minutes(FULL_STUDY)).toBeLessThanOrEqual(45);
    expect(minutes(QUICK_STUDY)).toBeLessThanOrEqual(10);
    // A zoom run trains on the small image: x4 costs less than x2, which costs about a fit at the small size.
    const [x2, x4] = [2, 4].map((factor) =>
      estimateRunSeconds(fullRun({ task: "zoom", model: "sine", steps: 100, factor }), FULL_STUDY),
    );
    expect(x4).toBeLessThan(x2);
  });

  it("charges a full batch by the pixels it holds", () => {
    const run = fullRun({ task: "fit", model: "sine", steps: 1000 });
    const full = estimateRunSeconds({ ...run, batch: "full" }, FULL_STUDY);
    expect(full).toBeGreaterThan(3 * estimateRunSeconds(run, FULL_STUDY)); // 65,536 pixels against 16,384
    // Inpainting's full batch is its known pixels.
    const inpaint = fullRun({ task: "inpaint", model: "sine", steps: 100, points: 1000 });
    expect(estimateRunSeconds({ ...inpaint, batch: "full" }, FULL_STUDY)).toBeCloseTo(
      estimateRunSeconds({ ...inpaint, batch: 1000 }, FULL_STUDY),
      6,
    );
  });
});

describe("--reference: the paper's settings", () => {
  const reference = studyConfig({ reference: true });

  it("plans every run at 256², lr 1e-4, full batch, constant schedule, 10k steps (blending 3k)", () => {
    expect(reference).toBe(REFERENCE_STUDY);
    expect([reference.size, reference.width, reference.hiddenLayers]).toEqual([256, 256, 3]);
    const runs = planStudy(reference);
    expect(runs.map((r) => r.id)).toEqual(planStudy(FULL_STUDY).map((r) => r.id));
    for (const run of runs) {
      expect([run.lr, run.batch, run.schedule], run.id).toEqual([1e-4, "full", "constant"]);
      expect(run.steps, run.id).toBe(run.task === "blend" ? 3000 : 10_000);
    }
  });

  it("is refused with --quick, in one line", () => {
    const message =
      "--reference does not go with --quick: --reference is the paper's full settings (256², 10k steps), --quick the short CPU study";
    expect(() => studyConfig({ reference: true, quick: true })).toThrow(new UserError(message));
    expect(message).not.toContain("\n");
  });

  it("is never taken for a default run: the fingerprints differ, and the default ones are those of before", () => {
    const hashes = { image: "a", image2: "b" };
    const [ref] = planStudy(reference);
    const [def] = planStudy(FULL_STUDY);
    expect(ref.id).toBe(def.id);
    expect(runFingerprint(ref, reference, hashes)).not.toBe(runFingerprint(def, FULL_STUDY, hashes));
    // Only the lr differs: still another run.
    const lrOnly = { ...def, lr: 1e-4 };
    expect(runFingerprint(lrOnly, FULL_STUDY, hashes)).not.toBe(runFingerprint(def, FULL_STUDY, hashes));
    // The layout of the fingerprints written before runs carried their settings (those runs are still
    // reused), with fitting's warm start since it has one: a fit run from before it is retrained.
    const d = trainDefaults("fit");
    expect(runFingerprint(def, FULL_STUDY, hashes)).toBe(
      JSON.stringify({
        run: { id: "fit-siren", task: "fit", model: "sine", steps: d.steps },
        size: 256,
        width: 256,
        hiddenLayers: 3,
        lr: d.lr,
        batch: d.batch,
        schedule: d.schedule,
        // Resolved for the grey image: the warm start's steps, lr and batch.
        coarse: { steps: d.warmStart!.steps, lr: d.warmStart!.lr, batch: d.warmStart!.batch!.grey },
        seed: d.seed,
        images: { image: "a" },
      }),
    );
  });

  it("prints its expected time up front, for this machine, with a note that it is meant for a GPU", async () => {
    const lines: string[] = [];
    const one: Partial<StudyConfig> = {
      ...TINY,
      fitModels: ["sine"],
      poissonModels: [],
      blendModels: [],
      inpaintPoints256: [],
      zoomModels: [],
    };
    const out = join(root, "reference");
    const trained: TrainImageOptions[] = [];
    await study(out, {
      reference: true,
      device: "cpu",
      config: one,
      log: (line) => lines.push(line),
      onTrain: (_run, options) => trained.push(options),
    });
    expect(lines[0]).toMatch(/^study \(custom\): 1 runs, 0 already finished; expected about .+ on a 2-core machine/);
    expect(lines[1]).toContain("lr 1e-4, full batch, constant schedule");
    expect(lines[1]).toContain("is meant for a machine with a GPU");
    expect(trained).toHaveLength(1);
    expect(trained[0]).toMatchObject({ lr: 1e-4, batch: "full", schedule: "constant", device: "cpu" });
    const settings = JSON.parse(await readFile(join(out, "runs", "fit-siren", "metrics.json"), "utf8")).settings;
    expect(settings).toMatchObject({ lr: 1e-4, batch: "full", schedule: "constant" });
    // The same run at the default settings is retrained, and the reference one again after it.
    expect((await study(out, { config: one })).trained).toBe(1);
    expect((await study(out, { reference: true, config: one })).trained).toBe(1);
    expect((await study(out, { reference: true, config: one })).trained).toBe(0);
  });

  it("names a device that does not exist before training anything", async () => {
    const out = join(root, "bad-device");
    await expect(study(out, { device: "gpu" })).rejects.toThrow(
      new UserError('--device: expected cpu, cuda, webgpu or auto, got "gpu"'),
    );
    expect(await exists(out)).toBe(false);
  });
});
