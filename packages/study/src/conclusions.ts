/**
 * The report's sentences, made from results.json alone: which model is best and by how much,
 * which converges fastest, whether the derivatives match, how far each network is above the
 * trivial floor and below the classical method, and where that agrees or disagrees with the
 * reference paper. Nothing here is a fixed claim about the outcome.
 */
import type { RunSummary, StudyResultsFile } from "./results.ts";

export interface Conclusion {
  text: string;
  /** Set when the sentence compares with one of the paper's findings. */
  paper?: "agrees" | "contradicts";
}

export type SectionConclusions = Record<
  "fitting" | "derivatives" | "poisson-gradient" | "poisson-laplacian" | "blending" | "inpainting" | "zoom",
  Conclusion[]
>;

/** Correlation thresholds of the derivative verdicts (stated in the report). */
export const MATCH_CLOSE = 0.9;
export const MATCH_ROUGH = 0.5;
/** A reconstruction within this many dB of the best constant image is called no better than flat. */
export const FLOOR_MARGIN_DB = 1;
/** Differences below this are ties. */
const TIE_DB = 0.1;

const NAMES: Record<string, string> = {
  siren: "SIREN",
  relu: "ReLU",
  tanh: "tanh",
  sigmoid: "sigmoid",
  "relu-pe": "ReLU+PE",
  finer: "FINER",
  gauss: "Gauss",
};
export const displayName = (model: string) => NAMES[model] ?? model;

/**
 * The models of the paper's comparisons. FINER (2024) and Gauss (2022) came after it: they are
 * ranked beside the others, but the verdicts on the paper's findings leave them out.
 */
export const PAPER_MODELS: readonly string[] = ["siren", "relu", "tanh", "sigmoid", "relu-pe"];
const inPaper = (r: RunSummary) => PAPER_MODELS.includes(r.model);

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const dB = (v: number) => `${v.toFixed(1)} dB`;
const r2 = (v: number) => v.toFixed(2);

function list(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function runsOf(file: StudyResultsFile, task: string): RunSummary[] {
  return Object.values(file.runs).filter((r) => r.task === task);
}

/** Runs sorted by a metric, best first; runs without a finite value are left out. */
function ranked(runs: RunSummary[], pick: (r: RunSummary) => number | undefined): RunSummary[] {
  return runs.filter((r) => finite(pick(r))).sort((a, b) => (pick(b) as number) - (pick(a) as number));
}

/** "X reaches the highest ..., d dB above Y" or a tie, with the whole ranking. */
function bestSentence(rankedRuns: RunSummary[], pick: (r: RunSummary) => number, what: string): string {
  const [best, second] = rankedRuns;
  const order = rankedRuns.map((r) => `${displayName(r.model)} ${dB(pick(r))}`).join(", ");
  if (!second) return `${displayName(best.model)} reaches ${dB(pick(best))} ${what}.`;
  const gap = pick(best) - pick(second);
  const lead =
    gap < TIE_DB
      ? `${displayName(best.model)} and ${displayName(second.model)} tie for the highest ${what} (within ${TIE_DB} dB)`
      : `${displayName(best.model)} reaches the highest ${what}, ${dB(gap)} above ${displayName(second.model)}`;
  return `${lead} (${order}).`;
}

/** Models tied with the best (within TIE_DB). */
function leaders(rankedRuns: RunSummary[], pick: (r: RunSummary) => number): string[] {
  if (rankedRuns.length === 0) return [];
  const top = pick(rankedRuns[0]);
  return rankedRuns.filter((r) => top - pick(r) < TIE_DB).map((r) => r.model);
}

/** The first logged step whose value reaches the level, if any. */
export function stepsToLevel(curve: Array<[number, number]>, level: number): number | undefined {
  return curve.find(([, v]) => finite(v) && v >= level)?.[0];
}

/**
 * The convergence level: the highest multiple of 5 dB that at least two runs reach (one when
 * only one run is there), so the comparison is between runs that get there.
 */
export function convergenceLevel(curves: Array<Array<[number, number]>>): number | undefined {
  const need = Math.min(2, curves.length);
  const peaks = curves.map((c) => Math.max(-Infinity, ...c.map(([, v]) => (finite(v) ? v : -Infinity))));
  for (let level = 60; level >= 5; level -= 5) {
    if (peaks.filter((p) => p >= level).length >= need) return level;
  }
  return undefined;
}

interface Convergence {
  level: number;
  /** Each run's first logged step at the level (undefined: never). */
  steps: Array<{ model: string; step: number | undefined }>;
  /** The models first at the level, and their step. */
  fastest: string[];
  first: number;
}

/** Who reaches the convergence level of these runs first. */
function convergence(fits: RunSummary[]): Convergence | undefined {
  const level = convergenceLevel(fits.map((r) => r.curve));
  if (level === undefined) return undefined;
  const steps = fits.map((r) => ({ model: r.model, step: stepsToLevel(r.curve, level) }));
  const reached = steps.filter((s) => s.step !== undefined).sort((a, b) => (a.step as number) - (b.step as number));
  const first = reached[0].step as number;
  return { level, steps, fastest: reached.filter((s) => s.step === first).map((s) => s.model), first };
}

const atStep = (step: number | undefined) => (step === undefined ? "never" : `at step ${step}`);

function fitting(file: StudyResultsFile): Conclusion[] {
  const fits = ranked(runsOf(file, "fit"), (r) => r.psnr);
  if (fits.length === 0) return [];
  const out: Conclusion[] = [{ text: bestSentence(fits, (r) => r.psnr, "PSNR") }];
  const all = convergence(fits);
  if (all) {
    const others = all.steps
      .filter((s) => !all.fastest.includes(s.model))
      .map((s) => `${displayName(s.model)} ${atStep(s.step)}`);
    const every = fits[0].curve.length > 1 ? fits[0].curve[1][0] - fits[0].curve[0][0] : undefined;
    out.push({
      text:
        `${list(all.fastest.map(displayName))} ${all.fastest.length > 1 ? "are" : "is"} the first to reach ${all.level} dB, at step ${all.first}` +
        `${others.length ? ` (${list(others)})` : ""}; steps are those of the logged evaluations${every ? `, every ${every} steps` : ""}.`,
    });
  }
  const siren = fits.find((r) => r.model === "siren");
  if (!siren) return out;
  const later = fits.filter((r) => !inPaper(r));
  if (later.length) {
    const gap = (r: RunSummary) => {
      const d = r.psnr - siren.psnr;
      return Math.abs(d) < TIE_DB ? "level with SIREN" : `${dB(Math.abs(d))} ${d > 0 ? "above" : "below"} SIREN`;
    };
    const speed = all
      ? `; to ${all.level} dB, ${list([...later, siren].map((r) => `${displayName(r.model)} ${atStep(all.steps.find((s) => s.model === r.model)?.step)}`))}`
      : "";
    out.push({
      text: `Of the activations that came after the paper, ${list(later.map((r) => `${displayName(r.model)} ends ${gap(r)}`))}${speed}.`,
    });
  }
  // The paper's claim is about the models it compares.
  const paperFits = fits.filter(inPaper);
  const best = leaders(paperFits, (r) => r.psnr);
  const paperSpeed = later.length ? convergence(paperFits) : all;
  const fastest = paperSpeed?.fastest ?? [];
  const sirenBest = best.includes("siren");
  const sirenFastest = fastest.includes("siren");
  const claim = `the paper's finding that SIREN converges fastest and reaches the highest PSNR${
    later.length ? ` of the models it compares (${list(later.map((r) => displayName(r.model)))} left out)` : ""
  }`;
  if (sirenBest && sirenFastest) {
    out.push({ text: `This agrees with ${claim}.`, paper: "agrees" });
  } else {
    const to = paperSpeed && all && paperSpeed.level !== all.level ? ` (to ${paperSpeed.level} dB)` : "";
    const why = [
      ...(sirenBest ? [] : [`${list(best.map(displayName))} reaches a higher PSNR than SIREN`]),
      ...(sirenFastest || fastest.length === 0 ? [] : [`${list(fastest.map(displayName))} converges faster${to}`]),
    ];
    out.push({ text: `This contradicts ${claim}: here ${list(why)}.`, paper: "contradicts" });
  }
  return out;
}

function quality(r: number): string {
  return r >= MATCH_CLOSE ? "closely" : r >= MATCH_ROUGH ? "roughly" : "poorly";
}

function derivatives(file: StudyResultsFile): Conclusion[] {
  const fits = runsOf(file, "fit").filter((r) => r.derivatives);
  if (fits.length === 0) return [];
  const out: Conclusion[] = [];
  const describe = (r: RunSummary) => {
    const { gradient, laplacian } = r.derivatives!;
    const lap = laplacian.constant
      ? "its Laplacian is constant (zero for a piecewise-linear network), so it carries none of the image's"
      : `its Laplacian ${quality(laplacian.correlation)} (r = ${r2(laplacian.correlation)}, ${dB(laplacian.psnr)}, where a map of zeros scores ${dB(laplacian.floor)})`;
    return `${displayName(r.model)}'s |∇| matches the finite differences ${quality(gradient.correlation)} (r = ${r2(gradient.correlation)}, ${dB(gradient.psnr)}, where a map of zeros scores ${dB(gradient.floor)}) and ${lap}.`;
  };
  const siren = fits.find((r) => r.model === "siren");
  if (siren) out.push({ text: describe(siren) });
  const best = (key: "gradient" | "laplacian", among = fits) =>
    [...among].sort((a, b) => b.derivatives![key].correlation - a.derivatives![key].correlation)[0];
  const bg = best("gradient");
  const bl = best("laplacian");
  out.push({
    text: `The closest |∇| is ${displayName(bg.model)}'s (r = ${r2(bg.derivatives!.gradient.correlation)}), the closest Laplacian ${displayName(bl.model)}'s (r = ${r2(bl.derivatives!.laplacian.correlation)}); ${list(
      fits
        .filter((r) => r !== siren)
        .map(
          (r) =>
            `${displayName(r.model)} ${r2(r.derivatives!.gradient.correlation)} / ${r.derivatives!.laplacian.constant ? "constant" : r2(r.derivatives!.laplacian.correlation)}`,
        ),
    )} (r of |∇| / Laplacian).`,
  });
  if (siren) {
    const { gradient, laplacian } = siren.derivatives!;
    // The paper's claim is about the models it compares: a closer FINER or Gauss does not contradict it.
    const paperFits = fits.filter(inPaper);
    const later = fits.filter((r) => !inPaper(r));
    const pg = best("gradient", paperFits);
    const pl = best("laplacian", paperFits);
    const problems = [
      ...(gradient.correlation >= MATCH_CLOSE ? [] : [`SIREN's |∇| matches only ${quality(gradient.correlation)}`]),
      ...(laplacian.correlation >= MATCH_CLOSE
        ? []
        : [`SIREN's Laplacian matches only ${quality(laplacian.correlation)}`]),
      ...(pg.model === "siren" || pg.derivatives!.gradient.correlation - gradient.correlation < 0.01
        ? []
        : [`${displayName(pg.model)}'s |∇| matches better`]),
      ...(pl.model === "siren" || pl.derivatives!.laplacian.correlation - laplacian.correlation < 0.01
        ? []
        : [`${displayName(pl.model)}'s Laplacian matches better`]),
    ];
    const claim = `the paper's finding that SIREN reproduces both the image's gradient and its Laplacian${
      later.length ? ` (among the models it compares: ${list(later.map((r) => displayName(r.model)))} left out)` : ""
    }`;
    out.push(
      problems.length === 0
        ? { text: `This agrees with ${claim}.`, paper: "agrees" }
        : { text: `This contradicts ${claim}: here ${list(problems)}.`, paper: "contradicts" },
    );
  }
  return out;
}

/** Above this a reconstruction is exact but for float rounding (8-bit pictures are about 59 dB). */
const EXACT_DB = 80;
const solverScore = (v: number) => (v >= EXACT_DB ? `${dB(v)} (exact up to float rounding)` : dB(v));

function poisson(file: StudyResultsFile, task: "poisson-gradient" | "poisson-laplacian"): Conclusion[] {
  const runs = ranked(runsOf(file, task), (r) => r.psnrAffine);
  if (runs.length === 0) return [];
  const pick = (r: RunSummary) => r.psnrAffine as number;
  const out: Conclusion[] = [{ text: bestSentence(runs, pick, "PSNR after the affine fit") }];
  const base = file.baselines.poisson[task];
  if (base) {
    const flat = runs.filter((r) => pick(r) - base.constant < FLOOR_MARGIN_DB);
    const lowest = runs[runs.length - 1];
    out.push({
      text: flat.length
        ? `${list(flat.map((r) => `${displayName(r.model)} (${dB(pick(r))})`))} ${flat.length > 1 ? "are" : "is"} within ${FLOOR_MARGIN_DB} dB of the best constant image (${dB(base.constant)}): no better than a flat picture.`
        : `Every model is above the best constant image (${dB(base.constant)}), the lowest, ${displayName(lowest.model)}, by ${dB(pick(lowest) - base.constant)}.`,
    });
    if (task === "poisson-gradient") {
      out.push({
        text: `A direct solver rebuilds the image from the same gradient to ${solverScore(base.solver.psnr)} after fitting the constant (${base.solver.ms.toFixed(0)} ms): the gradient determines the image, and the best network, ${displayName(runs[0].model)}, is ${dB(base.solver.psnr - pick(runs[0]))} below it even with its affine fit.`,
      });
    } else {
      const nulls = ranked(runs, (r) => r.psnrNullSpace);
      const like = nulls[0]
        ? `; fitted the same way, the best network, ${displayName(nulls[0].model)} (${dB(nulls[0].psnrNullSpace as number)}), is ${dB(base.solver.psnr - (nulls[0].psnrNullSpace as number))} below it`
        : "";
      out.push({
        text:
          `A direct solver rebuilds the image from the same Laplacian to ${solverScore(base.solver.psnr)} after fitting the stencil's 5-dimensional null space (${base.solver.ms.toFixed(0)} ms)${like}. ` +
          `The Laplacian alone does not fix that null space: the solver's own answer scores ${dB(base.solver.psnrAffine)} after the affine fit only, the networks' normalisation, against ${dB(pick(runs[0]))} for ${displayName(runs[0].model)}.`,
      });
    }
  }
  const paper = file.paper[task];
  if (paper) {
    const compared = runs.filter((r) => finite(paper[r.model]));
    if (compared.length >= 2) {
      const ours = compared.map((r) => r.model);
      const theirs = [...compared].sort((a, b) => paper[b.model] - paper[a.model]).map((r) => r.model);
      const order = (models: string[]) => models.map(displayName).join(" > ");
      out.push(
        ours.join() === theirs.join()
          ? { text: `The ranking ${order(ours)} agrees with the paper's.`, paper: "agrees" }
          : {
              text: `This contradicts the paper's ranking ${order(theirs)}: here it is ${order(ours)} (the paper's dB are in its own normalisation, so only the order is compared).`,
              paper: "contradicts",
            },
      );
    }
  }
  return out;
}

function blending(file: StudyResultsFile): Conclusion[] {
  const runs = ranked(runsOf(file, "blend"), (r) => r.psnrAffine);
  const base = file.baselines.poisson.blend;
  if (runs.length === 0 || !base) return [];
  return runs.map((r) => {
    const v = r.psnrAffine as number;
    const above = v - base.constant;
    return {
      text:
        `${displayName(r.model)}'s blend scores ${dB(v)} against the pixel blend after the affine fit: ` +
        `${above < FLOOR_MARGIN_DB ? `within ${FLOOR_MARGIN_DB} dB of` : `${dB(above)} above`} the best constant image (${dB(base.constant)}) ` +
        `and ${dB(base.solver.psnr - v)} below a direct solver of the same gradient — ${solverScore(base.solver.psnr)}.`,
    };
  });
}

function inpainting(file: StudyResultsFile): Conclusion[] {
  const runs = runsOf(file, "inpaint").filter((r) => finite(r.psnrUnseen) && finite(r.points));
  if (runs.length === 0) return [];
  const out: Conclusion[] = [];
  const byModel = new Map<string, RunSummary[]>();
  for (const r of runs) byModel.set(r.model, [...(byModel.get(r.model) ?? []), r]);
  for (const [model, list_] of byModel) {
    const rows = list_
      .sort((a, b) => (a.points as number) - (b.points as number))
      .flatMap((r) => {
        const base = file.baselines.inpaint[String(r.points)];
        return base ? [{ k: r.points as number, gap: (r.psnrUnseen as number) - base.delaunay }] : [];
      });
    if (!rows.length) continue;
    const wins = rows.filter((x) => x.gap >= TIE_DB);
    const losses = rows.filter((x) => x.gap <= -TIE_DB);
    const ties = rows.filter((x) => Math.abs(x.gap) < TIE_DB);
    const name = displayName(model);
    const ks = (xs: typeof rows) => list(xs.map((x) => String(x.k)));
    const most = (xs: typeof rows) => dB(Math.max(...xs.map((x) => Math.abs(x.gap))));
    const parts = [
      ...(losses.length
        ? [`linear interpolation of the same K pixels beats ${name} at K = ${ks(losses)} (by up to ${most(losses)})`]
        : []),
      ...(wins.length ? [`${name} beats linear interpolation at K = ${ks(wins)} (by up to ${most(wins)})`] : []),
      ...(ties.length ? [`the two tie at K = ${ks(ties)}`] : []),
    ];
    out.push({ text: `On the pixels ${name} never saw, ${list(parts)}.` });
  }
  const floors = Object.values(file.baselines.inpaint).map((b) => b.constant);
  if (floors.length) {
    out.push({
      text: `The mean of the known pixels, as a flat picture, scores ${dB(Math.min(...floors))} to ${dB(Math.max(...floors))} on them.`,
    });
  }
  return out;
}

function zoom(file: StudyResultsFile): Conclusion[] {
  const runs = runsOf(file, "zoom").filter((r) => finite(r.psnrZoom) && finite(r.factor));
  const factors = [...new Set(runs.map((r) => r.factor as number))].sort((a, b) => a - b);
  const out: Conclusion[] = [];
  let networkWins = 0;
  for (const f of factors) {
    const base = file.baselines.zoom[String(f)];
    const nets = ranked(
      runs.filter((r) => r.factor === f),
      (r) => r.psnrZoom,
    );
    if (!base || nets.length === 0) continue;
    const best = nets[0];
    const v = best.psnrZoom as number;
    const classical = base.lanczos3 >= base.bicubic ? "Lanczos" : "bicubic";
    const c = Math.max(base.lanczos3, base.bicubic);
    const order = nets.map((r) => `${displayName(r.model)} ${dB(r.psnrZoom as number)}`).join(", ");
    if (v - c >= TIE_DB) networkWins++;
    out.push({
      text:
        v - c >= TIE_DB
          ? `At ×${f}, ${displayName(best.model)} (${dB(v)}) beats the best classical upsampling, ${classical} (${dB(c)}), by ${dB(v - c)} (${order}; bicubic ${dB(base.bicubic)}, Lanczos ${dB(base.lanczos3)}).`
          : c - v >= TIE_DB
            ? `At ×${f}, ${classical} upsampling (${dB(c)}) beats every network; the best, ${displayName(best.model)}, reaches ${dB(v)}, ${dB(c - v)} less (${order}; bicubic ${dB(base.bicubic)}, Lanczos ${dB(base.lanczos3)}).`
            : `At ×${f}, ${displayName(best.model)} (${dB(v)}) and ${classical} upsampling (${dB(c)}) tie (${order}).`,
    });
  }
  if (out.length) {
    out.push({
      text:
        networkWins === 0
          ? "Rendering a network at a finer grid than it was fitted to adds no detail that classical upsampling of the same pixels lacks here."
          : `A network beats classical upsampling of the same pixels at ${networkWins} of ${out.length} factors.`,
    });
  }
  return out;
}

/** Every section's sentences, from results.json alone. */
export function studyConclusions(file: StudyResultsFile): SectionConclusions {
  return {
    fitting: fitting(file),
    derivatives: derivatives(file),
    "poisson-gradient": poisson(file, "poisson-gradient"),
    "poisson-laplacian": poisson(file, "poisson-laplacian"),
    blending: blending(file),
    inpainting: inpainting(file),
    zoom: zoom(file),
  };
}
