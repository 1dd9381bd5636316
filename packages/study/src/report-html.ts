import { formatSeconds } from "@siren-onnx/core/node";
import { curvesSvg, type Series } from "@siren-onnx/trainer";
import type { ReportPicture } from "./pictures.ts";
import { PAPER_POISSON, type RunResult } from "./results.ts";
import type { StudyConfig } from "./study-config.ts";

/** Everything the report page shows. Picture files are relative to the report folder. */
export interface ReportData {
  config: StudyConfig;
  imageNames: { image: string; image2: string };
  modelsDir: string;
  results: RunResult[];
  /** The image's own pictures: the image and its finite-difference gradient and Laplacian. */
  imagePictures: Record<"image" | "gradient" | "laplacian", ReportPicture>;
  /** Pictures of each run by kind (reconstruction, gradient, laplacian, outside, affine, known, ...). */
  runPictures: Record<string, Record<string, ReportPicture>>;
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
] as const;

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const db = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(2));

function figure(picture: ReportPicture | undefined, overlay = ""): string {
  if (!picture) return `<figure class="missing"><figcaption>(missing)</figcaption></figure>`;
  const title = escapeHtml(picture.normalisation);
  return `<figure><div class="frame"><img src="${escapeHtml(picture.file)}" alt="${escapeHtml(picture.caption)}" title="${title}">${overlay}</div><figcaption>${escapeHtml(picture.caption)}</figcaption></figure>`;
}

function row(figures: string[]): string {
  return `<div class="row">${figures.join("")}</div>`;
}

function table(headers: string[], rows: string[][]): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("");
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function section(id: string, title: string, intro: string, body: string[]): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2><p>${intro}</p>${body.join("\n")}</section>`;
}

/** Loss and the given PSNR metric of several runs in one chart pair (inline SVG). */
function curves(runs: RunResult[], metric: string, title: string): string {
  const series = (pick: (h: RunResult["history"][number]) => number | undefined): Series[] =>
    runs.map((r) => ({
      label: r.model,
      points: r.history.flatMap((h) => {
        const v = pick(h);
        return v === undefined ? [] : [[h.step, v] as [number, number]];
      }),
    }));
  const svg = curvesSvg(
    series((h) => h.loss),
    series((h) => h[metric]),
    title,
  );
  return `<div class="chart">${svg}</div>`;
}

const byTask = (data: ReportData, task: string) => data.results.filter((r) => r.task === task);
const pic = (data: ReportData, id: string, kind: string) => data.runPictures[id]?.[kind];

function fittingSection(data: ReportData): string {
  const fits = byTask(data, "fit");
  return section(
    "fitting",
    "Image fitting",
    "Every model fitted to the image's pixels. SIREN converges fastest and reaches the highest PSNR.",
    [
      row([figure(data.imagePictures.image), ...fits.map((r) => figure(pic(data, r.id, "reconstruction")))]),
      table(
        ["model", "PSNR (dB)", "steps", "seconds", "ms/step"],
        fits.map((r) => [r.model, db(r.psnr), String(r.steps), r.seconds.toFixed(1), r.msPerStep.toFixed(1)]),
      ),
      curves(fits, "psnr", "image fitting: "),
    ],
  );
}

function derivativesSection(data: ReportData): string {
  const fits = byTask(data, "fit");
  return section(
    "derivatives",
    "Derivatives of the fitted models",
    "Gradient magnitude and Laplacian of each fitted model (computed analytically in the exported ONNX graph) next to the image's own finite differences. SIREN reproduces both; ReLU has no second derivative (its Laplacian is zero).",
    [
      row([figure(data.imagePictures.gradient), ...fits.map((r) => figure(pic(data, r.id, "gradient")))]),
      row([figure(data.imagePictures.laplacian), ...fits.map((r) => figure(pic(data, r.id, "laplacian")))]),
    ],
  );
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
    `Each fitted model rendered over [${r.x0}, ${r.x1}] × [${r.y0}, ${r.y1}]; the dashed square is the training domain [-1, 1]².`,
    [row(byTask(data, "fit").map((run) => figure(pic(data, run.id, "outside"), box)))],
  );
}

function poissonSection(data: ReportData, task: "poisson-gradient" | "poisson-laplacian"): string {
  const runs = byTask(data, task);
  const fromGradient = task === "poisson-gradient";
  const paper = PAPER_POISSON[task] ?? {};
  return section(
    task,
    `Poisson reconstruction from the ${fromGradient ? "gradient" : "Laplacian"}`,
    `Only the image's ${fromGradient ? "finite-difference gradient" : "5-point Laplacian"} supervises the model. Derivatives fix the image only up to a constant${fromGradient ? "" : " and a harmonic function"}, so pictures and PSNR are after a least-squares affine fit to the image (psnrAffine). The paper's numbers are at 256² after 10k steps at lr 1e-4.`,
    [
      row([
        figure(data.imagePictures[fromGradient ? "gradient" : "laplacian"]),
        ...runs.map((r) => figure(pic(data, r.id, "supervised"))),
      ]),
      row([figure(data.imagePictures.image), ...runs.map((r) => figure(pic(data, r.id, "affine")))]),
      table(
        ["model", "PSNR after affine fit (dB)", "raw PSNR (dB)", "paper (dB)", "steps", "seconds"],
        runs.map((r) => [
          r.model,
          db(r.psnrAffine),
          db(r.psnr),
          db(paper[r.model]),
          String(r.steps),
          r.seconds.toFixed(1),
        ]),
      ),
      curves(runs, "psnrAffine", `${task}: `),
    ],
  );
}

function blendingSection(data: ReportData): string {
  const runs = byTask(data, "blend");
  return section(
    "blending",
    "Blending in the gradient domain",
    "The model is supervised by α ∇f₁ + (1 − α) ∇f₂ only. The gradient is linear, so the image with that gradient is the pixel blend α f₁ + (1 − α) f₂: the reconstruction (after an affine fit) is compared with it.",
    [
      ...runs.map((r) =>
        row([
          figure(data.imagePictures.image),
          figure(pic(data, r.id, "image2")),
          figure(pic(data, r.id, "reference")),
          figure(pic(data, r.id, "affine")),
        ]),
      ),
      table(
        ["model", "α", "PSNR vs the pixel blend after affine fit (dB)", "steps", "seconds"],
        runs.map((r) => [r.model, String(r.alpha), db(r.psnrAffine), String(r.steps), r.seconds.toFixed(1)]),
      ),
    ],
  );
}

function inpaintingSection(data: ReportData): string {
  const runs = byTask(data, "inpaint");
  const pixels = data.config.size * data.config.size;
  return section(
    "inpainting",
    "Inpainting from a few pixels",
    `Only K random pixels of the ${data.config.size}² image supervise the model (the study's 1k/5k/10k/30k of 256², scaled to this size). PSNR over all pixels and over the pixels the model never saw.`,
    [
      row(runs.map((r) => figure(pic(data, r.id, "known")))),
      row(runs.map((r) => figure(pic(data, r.id, "reconstruction")))),
      table(
        ["model", "known pixels K", "share of pixels", "PSNR all (dB)", "PSNR unseen (dB)", "PSNR known (dB)"],
        runs.map((r) => [
          r.model,
          String(r.points),
          `${((100 * (r.points ?? 0)) / pixels).toFixed(1)}%`,
          db(r.psnr),
          db(r.psnrUnseen),
          db(r.psnrKnown),
        ]),
      ),
    ],
  );
}

const STYLE = `
body { font-family: sans-serif; margin: 2em; max-width: 1400px; color: #222; }
.row { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
figure { margin: 0; width: 192px; }
.frame { position: relative; width: 192px; height: 192px; }
.frame img { width: 100%; height: 100%; image-rendering: pixelated; display: block; }
.domain { position: absolute; border: 1px dashed #f33; box-sizing: border-box; }
figcaption { font-size: 12px; text-align: center; }
table { border-collapse: collapse; margin: 12px 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.chart svg { max-width: 100%; height: auto; }
code { background: #f4f4f4; padding: 1px 4px; }
`;

/** The report page: one self-contained HTML file whose pictures live beside it in the report folder. */
export function reportHtml(data: ReportData): string {
  const c = data.config;
  const total = data.results.reduce((s, r) => s + r.seconds, 0);
  const header = `<h1>SIREN study (${escapeHtml(c.name)})</h1>
<p>Image <code>${escapeHtml(data.imageNames.image)}</code> and second image <code>${escapeHtml(data.imageNames.image2)}</code> at ${c.size}²;
networks 2 → ${c.hiddenLayers + 1} × ${c.width} → channels; ${data.results.length} runs, ${formatSeconds(total)} of training.
Numbers are in <code>results.json</code>; each run's folder (<code>runs/&lt;id&gt;</code>) holds its checkpoint, metrics and curves.
Every model is exported to ONNX in <code>${escapeHtml(data.modelsDir)}</code>: open them all with <code>pnpm siren serve --models ${escapeHtml(data.modelsDir)}</code>.
Hover over a picture to see how its values were coloured.</p>`;
  const sections = [
    fittingSection(data),
    derivativesSection(data),
    outOfSampleSection(data),
    poissonSection(data, "poisson-gradient"),
    poissonSection(data, "poisson-laplacian"),
    blendingSection(data),
    inpaintingSection(data),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SIREN study</title><style>${STYLE}</style></head>
<body>
${header}
<nav>${REPORT_SECTIONS.map((id) => `<a href="#${id}">${id}</a>`).join(" · ")}</nav>
${sections.join("\n")}
</body></html>
`;
}
