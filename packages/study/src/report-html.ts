import { MODEL_NAMES } from "@siren-onnx/core";
import { formatSeconds } from "@siren-onnx/core/node";
import { curvesSvg, PALETTE, type Series } from "@siren-onnx/trainer";
import { DERIVATIVE_MATCH_NOTE } from "./baselines.ts";
import {
  type Conclusion,
  convergenceLevel,
  displayName,
  FLOOR_MARGIN_DB,
  MATCH_CLOSE,
  MATCH_ROUGH,
  type SectionConclusions,
  stepsToLevel,
} from "./conclusions.ts";
import type { ReportPicture } from "./pictures.ts";
import type { ReportAnalysis } from "./report-pictures.ts";
import type { RunResult, RunSummary, StudyResultsFile } from "./results.ts";
import { describeTraining, type StudyConfig } from "./study-config.ts";

/** Everything the report page shows. Picture files are relative to the report folder. */
export interface ReportData extends Pick<ReportAnalysis, "imagePictures" | "runPictures" | "classicalPictures"> {
  config: StudyConfig;
  imageNames: { image: string; image2: string };
  modelsDir: string;
  /** The runs with their full histories (the curves). */
  results: RunResult[];
  /** results.json as written: every number of the tables. */
  file: StudyResultsFile;
  /** The sentences, made from `file` alone. */
  conclusions: SectionConclusions;
}

/** The ids of the sections, in page order (the report test checks them all). */
export const REPORT_SECTIONS = [
  "fitting",
  "derivatives",
  "out-of-sample",
  "poisson-gradient",
  "poisson-laplacian",
  "blending",
  "inpainting",
  "zoom",
] as const;

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const db = (v: number | undefined | null) => (finite(v) ? v.toFixed(2) : "–");
const r2 = (v: number | undefined) => (finite(v) ? v.toFixed(3) : "–");

/** A picture: click to see it at full resolution; its caption says how its values were coloured. */
function figure(picture: ReportPicture | undefined, overlay = ""): string {
  if (!picture) return `<figure class="missing"><figcaption>(missing)</figcaption></figure>`;
  const file = escapeHtml(picture.file);
  const norm = escapeHtml(picture.normalisation);
  return `<figure><a class="zoomable" href="${file}" data-caption="${escapeHtml(picture.caption)}" data-norm="${norm}"><div class="frame"><img src="${file}" alt="${escapeHtml(picture.caption)}" title="${norm}">${overlay}</div></a><figcaption>${escapeHtml(picture.caption)}<span class="norm">${norm}</span></figcaption></figure>`;
}

function row(figures: string[]): string {
  return `<div class="row">${figures.join("")}</div>`;
}

function table(headers: string[], rows: string[][], classes: string[] = []): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows
    .map(
      (r, i) =>
        `<tr${classes[i] ? ` class="${classes[i]}"` : ""}>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`,
    )
    .join("");
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function note(text: string): string {
  return `<p class="note">${escapeHtml(text)}</p>`;
}

function conclusionsBlock(items: Conclusion[]): string {
  if (items.length === 0) return "";
  const li = items.map((c) => {
    const badge = c.paper ? `<span class="badge ${c.paper}">paper: ${c.paper}</span> ` : "";
    return `<li${c.paper ? ` class="${c.paper}"` : ""}>${badge}${escapeHtml(c.text)}</li>`;
  });
  return `<ul class="conclusions">${li.join("")}</ul>`;
}

function section(id: string, title: string, intro: string, body: string[], found: Conclusion[] = []): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2><p>${intro}</p>${conclusionsBlock(found)}${body.join("\n")}</section>`;
}

const CURVE_NOTES: Record<string, string> = {
  psnr: "PSNR over all pixels of the training image",
  psnrAffine: "PSNR after the least-squares affine fit a·v + b per channel",
  psnrUnseen: "PSNR over the pixels the model never saw",
};

/**
 * Each model kind keeps one colour in every chart of the report (seven kinds, eight colours);
 * charts of one model's runs (inpainting's K) colour them in turn.
 */
export function modelColor(model: string): string | undefined {
  const k = MODEL_NAMES.indexOf(model);
  return k < 0 ? undefined : PALETTE[k % PALETTE.length];
}

/** Loss and a PSNR metric of several runs in one chart pair (inline SVG), with what is plotted. */
function curves(runs: RunResult[], metric: string, title: string, label: (r: RunResult) => string): string {
  const byModel = new Set(runs.map((r) => r.model)).size === runs.length;
  const series = (pick: (h: RunResult["history"][number]) => number | undefined): Series[] =>
    runs.map((r) => ({
      label: label(r),
      color: byModel ? modelColor(r.model) : undefined,
      points: r.history.flatMap((h) => {
        const v = pick(h);
        return v === undefined || !Number.isFinite(v) ? [] : [[h.step, v] as [number, number]];
      }),
    }));
  const svg = curvesSvg(
    series((h) => h.loss),
    series((h) => h[metric]),
    title,
  );
  const what = `Left: the training loss (mean squared error of the supervised quantity in model units, log scale); right: ${CURVE_NOTES[metric] ?? metric} in dB ([0, 1] units); at every logged evaluation.`;
  return `<div class="chart">${svg}</div>${note(what)}`;
}

const byTask = (data: ReportData, task: string) => data.results.filter((r) => r.task === task);
const pic = (data: ReportData, id: string, kind: string) => data.runPictures[id]?.[kind];
const summary = (data: ReportData, id: string): RunSummary | undefined => data.file.runs[id];
const modelLabel = (r: RunResult) => displayName(r.model);

function fittingSection(data: ReportData): string {
  const fits = byTask(data, "fit");
  const level = convergenceLevel(fits.map((r) => r.curve));
  const stepsHeader = level === undefined ? "steps to a level" : `steps to ${level} dB`;
  return section(
    "fitting",
    "Image fitting",
    "Every model fitted to the image's pixels. PSNR is 10·log₁₀(1/MSE) with values mapped to [0, 1], over all pixels; the curves are the logged evaluations.",
    [
      row([figure(data.imagePictures.image), ...fits.map((r) => figure(pic(data, r.id, "reconstruction")))]),
      table(
        ["model", "PSNR (dB)", stepsHeader, "steps", "seconds", "ms/step"],
        fits.map((r) => {
          const s = level === undefined ? undefined : stepsToLevel(r.curve, level);
          return [
            modelLabel(r),
            db(r.psnr),
            s === undefined ? "never" : String(s),
            String(r.steps),
            r.seconds.toFixed(1),
            r.msPerStep.toFixed(1),
          ];
        }),
      ),
      curves(fits, "psnr", "image fitting: ", modelLabel),
    ],
    data.conclusions.fitting,
  );
}

function derivativesSection(data: ReportData): string {
  const fits = byTask(data, "fit");
  return section(
    "derivatives",
    "Derivatives of the fitted models",
    `Gradient magnitude and Laplacian of each fitted model (computed analytically in the exported ONNX graph) next to the image's own finite differences. A map matches "closely" when r ≥ ${MATCH_CLOSE}, "roughly" when ${MATCH_ROUGH} ≤ r &lt; ${MATCH_CLOSE}, else "poorly".`,
    [
      row([figure(data.imagePictures.gradient), ...fits.map((r) => figure(pic(data, r.id, "gradient")))]),
      row([figure(data.imagePictures.laplacian), ...fits.map((r) => figure(pic(data, r.id, "laplacian")))]),
      derivativesTable(data, fits),
      note(DERIVATIVE_MATCH_NOTE),
    ],
    data.conclusions.derivatives,
  );
}

function derivativesTable(data: ReportData, fits: RunResult[]): string {
  const matches = fits.map((r) => summary(data, r.id)?.derivatives);
  const floor = matches.find((d) => d);
  const lines = fits.map((r, i) => {
    const d = matches[i];
    return [
      modelLabel(r),
      r2(d?.gradient.correlation),
      db(d?.gradient.psnr),
      d?.laplacian.constant ? "constant" : r2(d?.laplacian.correlation),
      db(d?.laplacian.psnr),
    ];
  });
  const rows = floor
    ? [["a map of zeros (floor)", "", db(floor.gradient.floor), "", db(floor.laplacian.floor)], ...lines]
    : lines;
  return table(["model", "|∇| r", "|∇| PSNR (dB)", "Laplacian r", "Laplacian PSNR (dB)"], rows, floor ? ["floor"] : []);
}

function outOfSampleSection(data: ReportData): string {
  const r = data.config.outOfSample;
  const left = (100 * (-1 - r.x0)) / (r.x1 - r.x0);
  const top = (100 * (-1 - r.y0)) / (r.y1 - r.y0);
  const w = (100 * 2) / (r.x1 - r.x0);
  const h = (100 * 2) / (r.y1 - r.y0);
  const box = `<div class="domain" style="left:${left.toFixed(2)}%;top:${top.toFixed(2)}%;width:${w.toFixed(2)}%;height:${h.toFixed(2)}%"></div>`;
  return section(
    "out-of-sample",
    "Out-of-sample behaviour",
    `Each fitted model rendered over [${r.x0}, ${r.x1}] × [${r.y0}, ${r.y1}]; the dashed square is the training domain [-1, 1]². There is nothing to score outside it: these pictures only show what each kind of network does where it saw no data.`,
    [row(byTask(data, "fit").map((run) => figure(pic(data, run.id, "outside"), box)))],
  );
}

function poissonSection(data: ReportData, task: "poisson-gradient" | "poisson-laplacian"): string {
  const runs = byTask(data, task);
  const fromGradient = task === "poisson-gradient";
  const paper = data.file.paper[task] ?? {};
  const base = data.file.baselines.poisson[task];
  const freedom = fromGradient
    ? "a constant"
    : "the stencil's null space, 1, x, y, xy and x² − y² (and, for a network, any harmonic function)";
  const headers = fromGradient
    ? ["", "PSNR after affine fit (dB)", "raw PSNR (dB)", "paper (dB, own normalisation)", "steps", "seconds"]
    : [
        "",
        "PSNR after affine fit (dB)",
        "after fitting a·v + null space (dB)",
        "raw PSNR (dB)",
        "paper (dB, own normalisation)",
        "steps",
        "seconds",
      ];
  const lines: string[][] = [];
  const classes: string[] = [];
  if (base) {
    lines.push(
      fromGradient
        ? ["best constant image (floor)", db(base.constant), db(base.constant), "", "", ""]
        : ["best constant image (floor)", db(base.constant), db(base.nullSpaceFloor), db(base.constant), "", "", ""],
    );
    classes.push("floor");
  }
  for (const r of runs) {
    const s = summary(data, r.id);
    lines.push(
      fromGradient
        ? [modelLabel(r), db(r.psnrAffine), db(r.psnr), db(paper[r.model]), String(r.steps), r.seconds.toFixed(1)]
        : [
            modelLabel(r),
            db(r.psnrAffine),
            db(s?.psnrNullSpace),
            db(r.psnr),
            db(paper[r.model]),
            String(r.steps),
            r.seconds.toFixed(1),
          ],
    );
    classes.push("");
  }
  if (base) {
    const ms = `${base.solver.ms.toFixed(0)} ms`;
    lines.push(
      fromGradient
        ? ["direct solver (classical)", db(base.solver.psnrAffine), "", "", "", ms]
        : ["direct solver (classical)", db(base.solver.psnrAffine), db(base.solver.psnr), "", "", "", ms],
    );
    classes.push("classical");
  }
  return section(
    task,
    `Poisson reconstruction from the ${fromGradient ? "gradient" : "Laplacian"}`,
    `Only the image's ${fromGradient ? "finite-difference gradient" : "5-point Laplacian"} supervises the model. It fixes the image only up to ${freedom}, so pictures and PSNR are after a least-squares fit a·v + b per channel to the image (psnrAffine)${fromGradient ? "" : "; the next column also fits the null space"}. The floor is the best constant image (each channel's mean); the classical row is a direct least-squares solver of the image's ${fromGradient ? "2nd-order central differences (the networks are supervised with 6th-order ones, which resolve finer detail: the classical row is the anchor of what the pixels' own differences recover, not the same targets)" : "5-point Laplacian, the networks' own targets"} (trainer/src/poisson-solver.ts).`,
    [
      row([
        figure(data.imagePictures[fromGradient ? "gradient" : "laplacian"]),
        ...runs.map((r) => figure(pic(data, r.id, "supervised"))),
      ]),
      row([
        figure(data.imagePictures.image),
        ...runs.map((r) => figure(pic(data, r.id, "affine"))),
        figure(data.classicalPictures[task]),
      ]),
      table(headers, lines, classes),
      note(`Paper column: ${data.file.paperNormalisation}.`),
      curves(runs, "psnrAffine", `${task}: `, modelLabel),
    ],
    data.conclusions[task],
  );
}

function blendingSection(data: ReportData): string {
  const runs = byTask(data, "blend");
  const base = data.file.baselines.poisson.blend;
  const lines: string[][] = [];
  const classes: string[] = [];
  if (base) {
    lines.push(["best constant image (floor)", "", db(base.constant), "", ""]);
    classes.push("floor");
  }
  for (const r of runs) {
    lines.push([modelLabel(r), String(r.alpha), db(r.psnrAffine), String(r.steps), r.seconds.toFixed(1)]);
    classes.push("");
  }
  if (base) {
    lines.push(["direct solver (classical)", "", db(base.solver.psnrAffine), "", `${base.solver.ms.toFixed(0)} ms`]);
    classes.push("classical");
  }
  return section(
    "blending",
    "Blending in the gradient domain",
    "The model is supervised by α ∇f₁ + (1 − α) ∇f₂ only. The gradient is linear, so the image with that gradient is the pixel blend α f₁ + (1 − α) f₂: the reconstruction (after the affine fit) is compared with it, as are the best constant image and a direct solver of the same gradient.",
    [
      ...runs.map((r) =>
        row([
          figure(data.imagePictures.image),
          figure(pic(data, r.id, "image2")),
          figure(pic(data, r.id, "reference")),
          figure(pic(data, r.id, "affine")),
          figure(data.classicalPictures.blend),
        ]),
      ),
      table(["", "α", "PSNR vs the pixel blend after affine fit (dB)", "steps", "seconds"], lines, classes),
      curves(runs, "psnrAffine", "blend: ", modelLabel),
    ],
    data.conclusions.blending,
  );
}

function inpaintingSection(data: ReportData): string {
  const runs = byTask(data, "inpaint");
  const pixels = data.config.size * data.config.size;
  const inpaint = data.file.baselines.inpaint;
  return section(
    "inpainting",
    "Inpainting from a few pixels",
    `Only K random pixels of the ${data.config.size}² image supervise the model (the study's 1k/5k/10k/30k of 256², scaled to this size). PSNR over all pixels, over the pixels the model never saw, and over the known ones; the classical answer is linear interpolation on the Delaunay triangulation of the same K pixels (nearest known value outside their convex hull), the floor the mean of the known pixels.`,
    [
      row(runs.map((r) => figure(pic(data, r.id, "known")))),
      row(runs.map((r) => figure(pic(data, r.id, "reconstruction")))),
      row(runs.map((r) => figure(data.classicalPictures[`inpaint-${r.points}`]))),
      table(
        [
          "model",
          "known pixels K",
          "share of pixels",
          "PSNR all (dB)",
          "PSNR unseen (dB)",
          "PSNR known (dB)",
          "linear interpolation, unseen (dB)",
          "mean of known, unseen (dB)",
        ],
        runs.map((r) => [
          modelLabel(r),
          String(r.points),
          `${((100 * (r.points ?? 0)) / pixels).toFixed(1)}%`,
          db(r.psnr),
          db(r.psnrUnseen),
          db(r.psnrKnown),
          db(inpaint[String(r.points)]?.delaunay),
          db(inpaint[String(r.points)]?.constant),
        ]),
      ),
      curves(runs, "psnrUnseen", "inpainting (unseen pixels): ", (r) => `K = ${r.points}`),
    ],
    data.conclusions.inpainting,
  );
}

function zoomSection(data: ReportData): string {
  const runs = byTask(data, "zoom");
  const factors = [...new Set(runs.map((r) => r.factor as number))].sort((a, b) => a - b);
  const zoom = data.file.baselines.zoom;
  const models = [...new Set(runs.map((r) => r.model))];
  const cell = (model: string, f: number) => db(runs.find((r) => r.model === model && r.factor === f)?.psnrZoom);
  const lines = [
    ...models.map((m) => [displayName(m), ...factors.map((f) => cell(m, f))]),
    ["bicubic (classical)", ...factors.map((f) => db(zoom[String(f)]?.bicubic))],
    ["Lanczos-3 (classical)", ...factors.map((f) => db(zoom[String(f)]?.lanczos3))],
    ["best constant image (floor)", ...factors.map((f) => db(zoom[String(f)]?.constant))],
  ];
  const classes = [...models.map(() => ""), "classical", "classical", "floor"];
  return section(
    "zoom",
    "Held-out zoom (super-resolution)",
    `Each model is fitted (fitting's settings, ${data.config.zoomSteps} steps) to the image box-downsampled by each factor and saved as an 8-bit PNG — all it is given — then rendered at the full ${data.config.size}² and scored against the original, which it never saw. Bicubic and Lanczos-3 upsample the same small image. PSNR against the original; the curves are the PSNR on the small training image.`,
    [
      // Per factor: what it is given and the classical answers, then one picture per model kind.
      ...factors.flatMap((f) => [
        row([
          figure(data.classicalPictures[`zoom-${f}-input`]),
          figure(data.imagePictures.image),
          figure(data.classicalPictures[`zoom-${f}-bicubic`]),
          figure(data.classicalPictures[`zoom-${f}-lanczos3`]),
        ]),
        row(runs.filter((r) => r.factor === f).map((r) => figure(pic(data, r.id, "zoom")))),
      ]),
      table(["", ...factors.map((f) => `×${f} PSNR (dB)`)], lines, classes),
      // One chart pair per factor, so every model keeps its colour.
      ...factors.map((f) =>
        curves(
          runs.filter((r) => r.factor === f),
          "psnr",
          `zoom ×${f}, fit of the small image: `,
          modelLabel,
        ),
      ),
    ],
    data.conclusions.zoom,
  );
}

/** 160-pixel pictures: a row of eight (the image and seven fitted models) fits the 1400-pixel page. */
const STYLE = `
body { font-family: sans-serif; margin: 2em; max-width: 1400px; color: #222; }
.row { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
figure { margin: 0; width: 160px; }
.frame { position: relative; width: 160px; height: 160px; }
.frame img { width: 100%; height: 100%; image-rendering: pixelated; display: block; }
a.zoomable { cursor: zoom-in; }
.domain { position: absolute; border: 1px dashed #f33; box-sizing: border-box; }
figcaption { font-size: 12px; text-align: center; }
figcaption .norm { display: block; font-size: 10px; color: #777; margin-top: 2px; }
table { border-collapse: collapse; margin: 12px 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.floor td { color: #777; font-style: italic; }
tr.classical td { background: #f3f7ff; }
.note { font-size: 12px; color: #555; }
ul.conclusions { background: #fafafa; border-left: 3px solid #999; padding: 8px 8px 8px 28px; }
ul.conclusions li { margin: 4px 0; }
ul.conclusions li.contradicts { color: #a00; }
.badge { font-size: 11px; padding: 1px 5px; border-radius: 3px; background: #ddd; color: #222; }
.badge.agrees { background: #d8f0d8; }
.badge.contradicts { background: #f6d0d0; }
.chart svg { max-width: 100%; height: auto; }
code { background: #f4f4f4; padding: 1px 4px; }
#lightbox { position: fixed; inset: 0; background: rgba(0, 0, 0, 0.85); display: none; overflow: auto; z-index: 10; cursor: zoom-out; color: #eee; text-align: center; }
#lightbox.open { display: block; }
#lightbox img { image-rendering: pixelated; margin: 24px auto 8px; display: block; background: #fff; }
#lightbox p { font-size: 13px; margin: 4px; }
`;

/** Click a picture: it opens at its full resolution, enlarged by a whole factor to fill the window, pixels kept sharp. */
const LIGHTBOX = `
const box = document.getElementById("lightbox");
const img = box.querySelector("img");
const [cap, norm] = box.querySelectorAll("p");
document.querySelectorAll("a.zoomable").forEach((a) => a.addEventListener("click", (e) => {
  e.preventDefault();
  img.onload = () => {
    const k = Math.max(1, Math.floor(Math.min((innerWidth - 48) / img.naturalWidth, (innerHeight - 120) / img.naturalHeight)));
    img.style.width = img.naturalWidth * k + "px";
    img.style.height = img.naturalHeight * k + "px";
    norm.textContent = a.dataset.norm + " — " + img.naturalWidth + "×" + img.naturalHeight + " pixels, shown ×" + k;
  };
  img.src = a.getAttribute("href");
  cap.textContent = a.dataset.caption;
  box.classList.add("open");
}));
box.addEventListener("click", () => box.classList.remove("open"));
addEventListener("keydown", (e) => { if (e.key === "Escape") box.classList.remove("open"); });
`;

function disagreements(data: ReportData): string {
  const all = Object.entries(data.conclusions).flatMap(([id, items]) =>
    items.filter((c) => c.paper).map((c) => ({ id, ...c })),
  );
  if (all.length === 0) return "";
  const against = all.filter((c) => c.paper === "contradicts");
  const items = (against.length ? against : all).map(
    (c) => `<li class="${c.paper}"><a href="#${c.id}">${c.id}</a>: ${escapeHtml(c.text)}</li>`,
  );
  const title = against.length
    ? `Where these results contradict the paper (${against.length} of ${all.length} compared findings)`
    : `These results agree with all ${all.length} of the paper's findings compared here`;
  return `<h3>${title}</h3><ul class="conclusions">${items.join("")}</ul>
<p class="note">A floor row is what a constant image scores (within ${FLOOR_MARGIN_DB} dB of it is called no better than flat); a classical row is the conventional method given the same data.</p>`;
}

/** The report page: one self-contained HTML file whose pictures live beside it in the report folder. */
export function reportHtml(data: ReportData): string {
  const c = data.config;
  const total = data.results.reduce((s, r) => s + r.seconds, 0);
  const header = `<h1>SIREN study (${escapeHtml(c.name)})</h1>
<p>Image <code>${escapeHtml(data.imageNames.image)}</code> and second image <code>${escapeHtml(data.imageNames.image2)}</code> at ${c.size}²;
networks 2 → ${c.hiddenLayers + 1} × ${c.width} → channels, trained with ${escapeHtml(describeTraining(c))}; ${data.results.length} runs, ${formatSeconds(total)} of training.
Numbers are in <code>results.json</code>, and every sentence below is computed from it; each run's folder (<code>runs/&lt;id&gt;</code>) holds its checkpoint, metrics and curves.
Every model is exported to ONNX in <code>${escapeHtml(data.modelsDir)}</code>: open them all with <code>pnpm siren serve --models ${escapeHtml(data.modelsDir)}</code>.
Each picture's caption says how its values were coloured; click a picture to see it at full resolution.</p>`;
  const sections = [
    fittingSection(data),
    derivativesSection(data),
    outOfSampleSection(data),
    poissonSection(data, "poisson-gradient"),
    poissonSection(data, "poisson-laplacian"),
    blendingSection(data),
    inpaintingSection(data),
    zoomSection(data),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SIREN study</title><style>${STYLE}</style></head>
<body>
${header}
${disagreements(data)}
<nav>${REPORT_SECTIONS.map((id) => `<a href="#${id}">${id}</a>`).join(" · ")}</nav>
${sections.join("\n")}
<div id="lightbox"><img alt=""><p></p><p></p></div>
<script>${LIGHTBOX}</script>
</body></html>
`;
}
