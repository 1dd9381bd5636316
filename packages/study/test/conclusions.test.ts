import { describe, expect, it } from "vitest";
import {
  type Conclusion,
  convergenceLevel,
  PAPER_POISSON,
  type RunSummary,
  type StudyResultsFile,
  stepsToLevel,
  studyConclusions,
} from "../src/index.ts";

const match = (correlation: number, constant = false) => ({
  correlation,
  psnr: 10 + 20 * correlation,
  constant,
  floor: 10,
});

/** A results.json entry with just what the sentences read. */
function run(id: string, fields: Partial<RunSummary>): RunSummary {
  return {
    id,
    task: "fit",
    model: "siren",
    metric: "psnr",
    value: fields.psnr ?? 0,
    psnr: 0,
    trainSize: 64,
    curve: [],
    curveMetric: "psnr",
    steps: 100,
    seconds: 1,
    msPerStep: 1,
    dir: `runs/${id}`,
    models: { image: `models/${id}.onnx`, derivatives: `models/${id}.deriv.onnx` },
    ...fields,
  } as RunSummary;
}

/** A curve rising linearly to `top` dB over 100 steps. */
const rising = (top: number, every = 10): Array<[number, number]> =>
  Array.from({ length: 100 / every }, (_, i) => [(i + 1) * every, (top * (i + 1) * every) / 100]);

/** A study where SIREN wins everything the paper says it wins (the fixture the flips start from). */
function fixture(): StudyResultsFile {
  const runs: RunSummary[] = [
    run("fit-siren", {
      model: "siren",
      psnr: 40,
      curve: rising(40),
      derivatives: { gradient: match(0.97), laplacian: match(0.93) },
    }),
    run("fit-relu", {
      model: "relu",
      psnr: 25,
      curve: rising(25),
      derivatives: { gradient: match(0.6), laplacian: match(0, true) },
    }),
    run("fit-tanh", {
      model: "tanh",
      psnr: 24,
      curve: rising(24),
      derivatives: { gradient: match(0.5), laplacian: match(0.2) },
    }),
    ...(["poisson-gradient", "poisson-laplacian"] as const).flatMap((task) =>
      (["siren", "relu-pe", "tanh"] as const).map((model) =>
        run(`${task}-${model}`, {
          task,
          model,
          metric: "psnrAffine",
          psnrAffine: { siren: 30, "relu-pe": 26, tanh: 25 }[model],
        }),
      ),
    ),
    run("blend-siren", { task: "blend", psnrAffine: 28, alpha: 0.5 }),
    ...[100, 1000].map((points) =>
      run(`inpaint-${points}-siren`, { task: "inpaint", points, psnrUnseen: points === 100 ? 20 : 30 }),
    ),
    ...[2, 4].flatMap((factor) =>
      (["siren", "relu"] as const).map((model) =>
        run(`zoom-${factor}-${model}`, {
          task: "zoom",
          model,
          factor,
          metric: "psnrZoom",
          psnrZoom: model === "siren" ? 33 - factor : 25 - factor,
        }),
      ),
    ),
  ];
  const poisson = {
    constant: 20,
    nullSpaceFloor: 21,
    solver: { psnr: 120, psnrAffine: 120, ms: 5, iterations: 17, residual: 1e-12 },
  };
  return {
    study: "fixture",
    config: {} as StudyResultsFile["config"],
    images: { image: "a.png", image2: "b.png" },
    paper: PAPER_POISSON,
    paperNormalisation: "",
    runs: Object.fromEntries(runs.map((r) => [r.id, r])),
    baselines: {
      poisson: { "poisson-gradient": poisson, "poisson-laplacian": poisson, blend: poisson },
      inpaint: { "100": { delaunay: 18, constant: 10 }, "1000": { delaunay: 28, constant: 10 } },
      zoom: { "2": { bicubic: 29, lanczos3: 29.5, constant: 12 }, "4": { bicubic: 25, lanczos3: 25.2, constant: 12 } },
    },
  };
}

const texts = (items: Conclusion[]) => items.map((c) => c.text).join("\n");
const verdicts = (items: Conclusion[]) => items.flatMap((c) => (c.paper ? [c.paper] : []));

describe("conclusions computed from results.json", () => {
  it("reads steps to a level off the logged curve and picks a level two runs reach", () => {
    expect(stepsToLevel(rising(40), 30)).toBe(80);
    expect(stepsToLevel(rising(20), 30)).toBeUndefined();
    expect(convergenceLevel([rising(40), rising(32), rising(10)])).toBe(30);
    expect(convergenceLevel([rising(40)])).toBe(40);
  });

  it("fitting: agrees with the paper when SIREN is best and fastest, contradicts it when ReLU is", () => {
    const agree = studyConclusions(fixture()).fitting;
    expect(verdicts(agree)).toEqual(["agrees"]);
    expect(texts(agree)).toContain("SIREN reaches the highest PSNR, 15.0 dB above ReLU");
    expect(texts(agree)).toContain("SIREN is the first to reach 25 dB, at step 70");

    const flipped = fixture();
    flipped.runs["fit-relu"] = { ...flipped.runs["fit-relu"], psnr: 45, curve: rising(45) };
    const against = studyConclusions(flipped).fitting;
    expect(verdicts(against)).toEqual(["contradicts"]);
    expect(texts(against)).toContain("ReLU reaches the highest PSNR, 5.0 dB above SIREN");
    expect(texts(against)).toContain("ReLU reaches a higher PSNR than SIREN and ReLU converges faster");

    // Faster but not better: only the convergence half of the claim fails.
    const faster = fixture();
    faster.runs["fit-relu"] = { ...faster.runs["fit-relu"], psnr: 39, curve: [[10, 39]] };
    const half = texts(studyConclusions(faster).fitting);
    expect(half).toContain("here ReLU converges faster.");
    expect(half).not.toContain("higher PSNR than SIREN");
  });

  it("fitting: FINER and Gauss, which came after the paper, are ranked and compared with SIREN but not in the verdict", () => {
    const later = fixture();
    later.runs["fit-finer"] = run("fit-finer", { model: "finer", psnr: 43, curve: rising(50) });
    later.runs["fit-gauss"] = run("fit-gauss", { model: "gauss", psnr: 30, curve: rising(30) });
    const items = studyConclusions(later).fitting;
    expect(verdicts(items)).toEqual(["agrees"]);
    const text = texts(items);
    expect(text).toContain(
      "FINER reaches the highest PSNR, 3.0 dB above SIREN (FINER 43.0 dB, SIREN 40.0 dB, Gauss 30.0 dB",
    );
    expect(text).toContain(
      "Of the activations that came after the paper, FINER ends 3.0 dB above SIREN and Gauss ends 10.0 dB below SIREN",
    );
    expect(text).toContain("(FINER and Gauss left out)");
    // FINER and SIREN both reach 40 dB, FINER first; the verdict's level is that of the paper's models (25 dB).
    expect(text).toContain("FINER is the first to reach 40 dB, at step 80");
    expect(text).toContain("to 40 dB, FINER at step 80, Gauss never and SIREN at step 100");

    // ReLU beating SIREN still contradicts it, with FINER in the study.
    later.runs["fit-relu"] = { ...later.runs["fit-relu"], psnr: 41, curve: rising(41) };
    const against = studyConclusions(later).fitting;
    expect(verdicts(against)).toEqual(["contradicts"]);
    expect(texts(against)).toContain("here ReLU reaches a higher PSNR than SIREN");
    expect(texts(against)).not.toContain("FINER reaches a higher PSNR than SIREN");
  });

  it("derivatives: a closer FINER Laplacian does not contradict the paper, a closer tanh one does", () => {
    const later = fixture();
    later.runs["fit-finer"] = run("fit-finer", {
      model: "finer",
      psnr: 43,
      curve: rising(43),
      derivatives: { gradient: match(0.99), laplacian: match(0.98) },
    });
    const items = studyConclusions(later).derivatives;
    expect(verdicts(items)).toEqual(["agrees"]);
    expect(texts(items)).toContain("The closest |∇| is FINER's (r = 0.99), the closest Laplacian FINER's (r = 0.98)");
    expect(texts(items)).toContain("FINER 0.99 / 0.98");
    later.runs["fit-tanh"].derivatives = { gradient: match(0.5), laplacian: match(0.96) };
    const against = studyConclusions(later).derivatives;
    expect(verdicts(against)).toEqual(["contradicts"]);
    expect(texts(against)).toContain("here tanh's Laplacian matches better");
  });

  it("derivatives: SIREN's match is judged by its correlations, and losing it flips the verdict", () => {
    expect(verdicts(studyConclusions(fixture()).derivatives)).toEqual(["agrees"]);
    const flipped = fixture();
    flipped.runs["fit-siren"].derivatives = { gradient: match(0.95), laplacian: match(0.4) };
    flipped.runs["fit-tanh"].derivatives = { gradient: match(0.5), laplacian: match(0.8) };
    const items = studyConclusions(flipped).derivatives;
    expect(verdicts(items)).toEqual(["contradicts"]);
    expect(texts(items)).toContain("SIREN's Laplacian matches only poorly and tanh's Laplacian matches better");
    expect(texts(items)).toContain("ReLU 0.60 / constant");
  });

  it("Poisson: names reconstructions no better than the constant floor, and compares the ranking with the paper", () => {
    const agree = studyConclusions(fixture())["poisson-gradient"];
    expect(verdicts(agree)).toEqual(["agrees"]);
    expect(texts(agree)).toContain("Every model is above the best constant image (20.0 dB)");
    expect(texts(agree)).toContain("120.0 dB (exact up to float rounding)");

    const flipped = fixture();
    flipped.runs["poisson-gradient-tanh"].psnrAffine = 20.5;
    flipped.runs["poisson-gradient-relu-pe"].psnrAffine = 31;
    const against = studyConclusions(flipped)["poisson-gradient"];
    expect(verdicts(against)).toEqual(["contradicts"]);
    expect(texts(against)).toContain("tanh (20.5 dB) is within 1 dB of the best constant image (20.0 dB)");
    expect(texts(against)).toContain("here it is ReLU+PE > SIREN > tanh");
  });

  it("inpainting and zoom: the winner against the classical method flips with the numbers", () => {
    const base = studyConclusions(fixture());
    expect(texts(base.inpainting)).toContain("SIREN beats linear interpolation at K = 100 and 1000 (by up to 2.0 dB)");
    expect(texts(base.zoom)).toContain("At ×2, SIREN (31.0 dB) beats the best classical upsampling, Lanczos (29.5 dB)");

    const flipped = fixture();
    flipped.baselines.inpaint["1000"].delaunay = 33;
    flipped.baselines.zoom["2"].bicubic = 32;
    const after = studyConclusions(flipped);
    expect(texts(after.inpainting)).toContain(
      "linear interpolation of the same K pixels beats SIREN at K = 1000 (by up to 3.0 dB)",
    );
    expect(texts(after.zoom)).toContain("At ×2, bicubic upsampling (32.0 dB) beats every network");
    expect(texts(after.zoom)).toContain("At ×4, SIREN (29.0 dB) beats");
  });
});
