/**
 * The report's pictures and the measurements made from the exported models (derivative match,
 * null-space fit, zoom score), and the floors and classical references of every table.
 */
import { join, posix } from "node:path";
import { colorize, type Region, type RenderOutput, RUN_FILES, TRAINING_DOMAIN } from "@siren-onnx/core";
import { writeFileAtomic } from "@siren-onnx/core/node";
import { loadRenderModel, type RenderModel, renderPng, renderSources, renderValues } from "@siren-onnx/renderer";
import {
  AFFINE_RECONSTRUCTION_FILE,
  BLEND_REFERENCE_FILE,
  encodePng,
  fitWithNullSpace,
  type ImageData,
  KNOWN_PIXELS_FILE,
  laplacianNullSpace,
  loadImage,
  MASK_FILE,
  pixelGradient,
  pixelLaplacian,
  psnr,
  psnrAffine,
  SECOND_IMAGE_FILE,
  solveFromGradient,
  solveFromLaplacian,
} from "@siren-onnx/trainer";
import sharp from "sharp";
import {
  constantFloorPsnr,
  constantImage,
  delaunayInterpolate,
  derivativeMatch,
  type UpsampleKernel,
  upsample,
} from "./baselines.ts";
import { finiteDifferenceValues, type ReportPicture } from "./pictures.ts";
import type { Baselines, PoissonBaseline, RunResult } from "./results.ts";
import type { StudyConfig } from "./study-config.ts";
import { REPORT_FILES } from "./study-folder.ts";
import type { StudyTask } from "./study-plan.ts";
import { writeZoomInput, zoomRegion } from "./zoom.ts";

const picturesDir = REPORT_FILES.pictures;
const IMAGE_NORMALISATION = "image: (v + 1) / 2 clipped to [0, 1]";

/** Pictures the trainer already wrote into a run folder, by kind. */
const RUN_FOLDER_PICTURES: Record<string, { file: string; caption: string }> = {
  reconstruction: { file: RUN_FILES.reconstruction, caption: "reconstruction" },
  affine: { file: AFFINE_RECONSTRUCTION_FILE, caption: "reconstruction (affine fit)" },
  known: { file: KNOWN_PIXELS_FILE, caption: "known pixels" },
  image2: { file: SECOND_IMAGE_FILE, caption: "second image" },
  reference: { file: BLEND_REFERENCE_FILE, caption: "pixel blend (reference)" },
};

const TASK_RUN_PICTURES: Record<StudyTask, string[]> = {
  fit: ["reconstruction"],
  "poisson-gradient": ["affine"],
  "poisson-laplacian": ["affine"],
  blend: ["affine", "image2", "reference"],
  inpaint: ["known", "reconstruction"],
  zoom: [],
};

/** The files the study writes for the classical references (relative to the report folder). */
export const classicalFile = (name: string) => posix.join(picturesDir, `classical-${name}.png`);
export const zoomInputFile = (factor: number) => posix.join(picturesDir, `zoom-${factor}-input.png`);

function runFolderPictures(result: RunResult): Record<string, ReportPicture> {
  return Object.fromEntries(
    TASK_RUN_PICTURES[result.task].map((kind) => {
      const { file, caption } = RUN_FOLDER_PICTURES[kind];
      const score = kind === "reconstruction" || kind === "affine" ? ` (${result.value.toFixed(1)} dB)` : "";
      const normalisation =
        kind === "affine"
          ? `${IMAGE_NORMALISATION}, after the least-squares fit a·v + b per channel to the reference`
          : kind === "known"
            ? `${IMAGE_NORMALISATION}; unknown pixels black`
            : IMAGE_NORMALISATION;
      const picture = {
        file: posix.join(result.dir, file),
        caption: `${result.model}: ${kind === "known" ? `${result.points} ` : ""}${caption}${score}`,
        normalisation,
      };
      return [kind, picture];
    }),
  );
}

/** Colours values as `siren render` does and writes the PNG. */
async function savePicture(
  out: string,
  file: string,
  values: Float32Array,
  size: { width: number; height: number; channels: number },
  output: RenderOutput,
  caption: string,
  note = "",
): Promise<ReportPicture> {
  const { rgba, normalisation } = colorize(values, output, size.channels);
  let bytes = new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  let channels: 1 | 4 = 4;
  if (output === "image" && size.channels === 1) {
    bytes = Uint8Array.from({ length: size.width * size.height }, (_, i) => rgba[4 * i]);
    channels = 1;
  }
  await writeFileAtomic(join(out, file), await encodePng(bytes, size.width, size.height, channels));
  return { file, caption, normalisation: `${normalisation}${note}` };
}

const magnitudes = (gradient: Float32Array) =>
  Float32Array.from({ length: gradient.length / 2 }, (_, i) => Math.hypot(gradient[2 * i], gradient[2 * i + 1]));

/** Reads a run's mask.png (white = known) back into pixel indices. */
async function readMask(path: string): Promise<Uint32Array> {
  const { data } = await sharp(path).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const known: number[] = [];
  for (let i = 0; i < data.length; i++) if (data[i] > 127) known.push(i);
  return Uint32Array.from(known);
}

/** The blend's second image exactly as the blend task builds it (grey repeated into RGB when needed). */
async function loadSecond(path: string, first: ImageData): Promise<ImageData> {
  const second = await loadImage(path, { size: first.width, gray: first.channels === 1 });
  if (second.channels === first.channels) return second;
  const data = new Float32Array(second.data.length * 3);
  for (let i = 0; i < data.length; i++) data[i] = second.data[Math.floor(i / 3)];
  return { ...second, channels: 3, data };
}

export interface ReportAnalysis {
  /** The image's own pictures: the image and its finite-difference gradient and Laplacian. */
  imagePictures: Record<"image" | "gradient" | "laplacian", ReportPicture>;
  /** Pictures of each run by kind (reconstruction, gradient, laplacian, outside, affine, known, zoom, ...). */
  runPictures: Record<string, Record<string, ReportPicture>>;
  /** Pictures of the classical references by name (poisson-gradient, inpaint-<K>, zoom-<f>-bicubic, ...). */
  classicalPictures: Record<string, ReportPicture>;
  /** What the renders measured, per run id (merged into the run's results entry). */
  measurements: Record<string, Partial<RunResult>>;
  baselines: Baselines;
}

interface Context {
  out: string;
  config: StudyConfig;
  image: ImageData;
}

async function withModel<T>(ctx: Context, result: RunResult, use: (model: RenderModel) => Promise<T>): Promise<T> {
  const model = await loadRenderModel(join(ctx.out, result.models.image));
  try {
    return await use(model);
  } finally {
    await model.dispose();
  }
}

const grid = (size: number, region: Region = TRAINING_DOMAIN) => ({ width: size, height: size, region });

/** Renders and measures one run's exported model. */
async function analyseRun(
  ctx: Context,
  result: RunResult,
): Promise<{ pictures: Record<string, ReportPicture>; measured: Partial<RunResult> }> {
  const { out, config, image } = ctx;
  const size = config.size;
  const file = (kind: string) => posix.join(picturesDir, `${result.id}-${kind}.png`);
  const shape = { width: size, height: size, channels: image.channels };
  const caption = (what: string) => `${result.model}: ${what}`;
  if (result.task === "fit") {
    return withModel(ctx, result, async (model) => {
      const { sources } = await renderSources(model, { ...grid(size), sources: ["gradient", "laplacian"] });
      const mag = magnitudes(sources.gradient!);
      const lap = sources.laplacian!;
      const o = config.outOfSample;
      const outside = await renderPng(model, { ...grid(size, o), output: "image" });
      await writeFileAtomic(join(out, file("outside")), outside.png);
      return {
        pictures: {
          gradient: await savePicture(out, file("gradient"), mag, shape, "gradient-magnitude", caption("|gradient|")),
          laplacian: await savePicture(out, file("laplacian"), lap, shape, "laplacian", caption("Laplacian")),
          outside: {
            file: file("outside"),
            caption: caption(`[${o.x0}, ${o.x1}] × [${o.y0}, ${o.y1}]`),
            normalisation: outside.normalisation,
          },
        },
        measured: {
          derivatives: {
            gradient: derivativeMatch(mag, finiteDifferenceValues(image, "gradient-magnitude")),
            laplacian: derivativeMatch(lap, finiteDifferenceValues(image, "laplacian")),
          },
        },
      };
    });
  }
  if (result.task === "poisson-gradient" || result.task === "poisson-laplacian") {
    const fromGradient = result.task === "poisson-gradient";
    return withModel(ctx, result, async (model) => {
      const { sources } = await renderSources(model, {
        ...grid(size),
        sources: ["image", fromGradient ? "gradient" : "laplacian"],
      });
      const values = sources.image!;
      const basis = fromGradient ? [new Float64Array(size * size).fill(1)] : laplacianNullSpace(size, size);
      const supervised = fromGradient
        ? await savePicture(
            out,
            file("supervised"),
            magnitudes(sources.gradient!),
            shape,
            "gradient-magnitude",
            caption("|gradient|"),
          )
        : await savePicture(out, file("supervised"), sources.laplacian!, shape, "laplacian", caption("Laplacian"));
      return {
        pictures: { supervised },
        measured: { psnrNullSpace: psnr(fitWithNullSpace(values, image.data, image.channels, basis), image.data) },
      };
    });
  }
  if (result.task === "zoom") {
    const factor = result.factor!;
    const small = result.trainSize;
    return withModel(ctx, result, async (model) => {
      const values = await renderValues(model, { ...grid(size, zoomRegion(small, small, factor)), output: "image" });
      const score = psnr(values, image.data);
      return {
        pictures: {
          zoom: await savePicture(
            out,
            file("zoom"),
            values,
            shape,
            "image",
            `${result.model}: ×${factor}, fitted to ${small}² (${score.toFixed(1)} dB)`,
            `; rendered at ${size}² over the full pixels' centres`,
          ),
        },
        measured: { psnrZoom: score, value: score },
      };
    });
  }
  return { pictures: {}, measured: {} };
}

/** Floor and direct solver of one derivative-supervised reconstruction. */
function poissonBaseline(
  reference: ImageData,
  solve: () => { values: Float32Array; iterations: number; residual: number },
  basis: Float64Array[],
): { baseline: PoissonBaseline; picture: Float32Array } {
  const t0 = performance.now();
  const solution = solve();
  const ms = performance.now() - t0;
  const { data, channels } = reference;
  const fitted = fitWithNullSpace(solution.values, data, channels, basis, { scale: false });
  const nothing = new Float32Array(data.length);
  return {
    baseline: {
      constant: constantFloorPsnr(data, channels),
      nullSpaceFloor: psnr(fitWithNullSpace(nothing, data, channels, basis, { scale: false }), data),
      solver: {
        psnr: psnr(fitted, data),
        psnrAffine: psnrAffine(solution.values, data, channels),
        ms,
        iterations: solution.iterations,
        residual: solution.residual,
      },
    },
    picture: fitted,
  };
}

/**
 * Writes the report's pictures (the image's own maps, every run's renders, the classical
 * references) and measures what the tables and sentences need.
 */
export async function analyseReport(
  out: string,
  config: StudyConfig,
  images: { image: string; image2: string },
  results: RunResult[],
): Promise<ReportAnalysis> {
  const image = await loadImage(images.image, { size: config.size });
  const { width, height, channels } = image;
  const ctx: Context = { out, config, image };
  const shape = { width, height, channels };
  const save = (name: string, output: "image" | "gradient-magnitude" | "laplacian", caption: string) =>
    savePicture(out, posix.join(picturesDir, name), finiteDifferenceValues(image, output), shape, output, caption);
  const imagePictures = {
    image: await save("image.png", "image", "image"),
    gradient: await save("image-gradient.png", "gradient-magnitude", "image: |gradient| (finite differences)"),
    laplacian: await save("image-laplacian.png", "laplacian", "image: Laplacian (5-point stencil)"),
  };
  const runPictures: ReportAnalysis["runPictures"] = {};
  const measurements: ReportAnalysis["measurements"] = {};
  for (const result of results) {
    const { pictures, measured } = await analyseRun(ctx, result);
    runPictures[result.id] = { ...runFolderPictures(result), ...pictures };
    measurements[result.id] = measured;
  }

  const classicalPictures: ReportAnalysis["classicalPictures"] = {};
  const baselines: Baselines = { poisson: {}, inpaint: {}, zoom: {} };
  const has = (task: StudyTask) => results.some((r) => r.task === task);
  const saveClassical = async (name: string, values: Float32Array, caption: string, note: string, w = width) => {
    classicalPictures[name] = await savePicture(
      out,
      classicalFile(name),
      values,
      { width: w, height: w, channels },
      "image",
      caption,
      note,
    );
  };
  const ones = [new Float64Array(width * height).fill(1)];

  if (has("poisson-gradient")) {
    const g = pixelGradient(image.data, width, height, channels);
    const { baseline, picture } = poissonBaseline(
      image,
      () => solveFromGradient(g.dx, g.dy, width, height, channels),
      ones,
    );
    baselines.poisson["poisson-gradient"] = baseline;
    await saveClassical(
      "poisson-gradient",
      picture,
      `direct solver from the gradient (${baseline.solver.psnr.toFixed(1)} dB)`,
      ", after fitting the constant",
    );
  }
  if (has("poisson-laplacian")) {
    const lap = pixelLaplacian(image.data, width, height, channels);
    const { baseline, picture } = poissonBaseline(
      image,
      () => solveFromLaplacian(lap, width, height, channels),
      laplacianNullSpace(width, height),
    );
    baselines.poisson["poisson-laplacian"] = baseline;
    await saveClassical(
      "poisson-laplacian",
      picture,
      `direct solver from the Laplacian (${baseline.solver.psnr.toFixed(1)} dB)`,
      ", after fitting the stencil's null space (1, x, y, xy, x² − y²)",
    );
  }
  const blend = results.find((r) => r.task === "blend");
  if (blend) {
    const alpha = blend.alpha ?? 0.5;
    const second = await loadSecond(images.image2, image);
    const mix = (a: Float32Array, b: Float32Array) => a.map((v, i) => alpha * v + (1 - alpha) * b[i]);
    const reference: ImageData = { ...image, data: mix(image.data, second.data) };
    const g1 = pixelGradient(image.data, width, height, channels);
    const g2 = pixelGradient(second.data, width, height, channels);
    const { baseline, picture } = poissonBaseline(
      reference,
      () => solveFromGradient(mix(g1.dx, g2.dx), mix(g1.dy, g2.dy), width, height, channels),
      ones,
    );
    baselines.poisson.blend = baseline;
    await saveClassical(
      "blend",
      picture,
      `direct solver from the blended gradient (${baseline.solver.psnr.toFixed(1)} dB)`,
      ", after fitting the constant",
    );
  }
  for (const result of results.filter((r) => r.task === "inpaint")) {
    const k = String(result.points);
    if (baselines.inpaint[k]) continue;
    const known = await readMask(join(out, result.dir, MASK_FILE));
    const knownValues = new Float32Array(known.length * channels);
    known.forEach((p, i) => {
      for (let c = 0; c < channels; c++) knownValues[i * channels + c] = image.data[p * channels + c];
    });
    const isKnown = new Uint8Array(width * height);
    for (const p of known) isKnown[p] = 1;
    const unseen = Uint32Array.from({ length: width * height }, (_, p) => p).filter((p) => !isKnown[p]);
    const interpolated = delaunayInterpolate(width, height, channels, known, knownValues);
    const flat = constantImage(knownValues, channels).subarray(0, channels);
    const flatImage = Float32Array.from({ length: width * height * channels }, (_, i) => flat[i % channels]);
    const score = (v: Float32Array) => (unseen.length ? psnr(v, image.data, unseen, channels) : Number.NaN);
    baselines.inpaint[k] = { delaunay: score(interpolated), constant: score(flatImage) };
    await saveClassical(
      `inpaint-${k}`,
      interpolated,
      `linear interpolation of ${k} pixels (${baselines.inpaint[k].delaunay.toFixed(1)} dB unseen)`,
      "; Delaunay triangulation (d3-delaunay), nearest known pixel outside the convex hull",
    );
  }
  const factors = [...new Set(results.filter((r) => r.task === "zoom").map((r) => r.factor!))];
  for (const factor of factors) {
    // The very PNG the zoom runs trained on (rewritten: the same bytes, even if pictures/ was cleared).
    const small = await writeZoomInput(join(out, zoomInputFile(factor)), image, factor);
    const scores: Record<UpsampleKernel, number> = { bicubic: 0, lanczos3: 0 };
    for (const kernel of ["bicubic", "lanczos3"] as const) {
      const up = upsample(small, width, height, kernel);
      scores[kernel] = psnr(up.data, image.data);
      await saveClassical(
        `zoom-${factor}-${kernel}`,
        up.data,
        `${kernel === "bicubic" ? "bicubic" : "Lanczos-3"} ×${factor} (${scores[kernel].toFixed(1)} dB)`,
        "; upsampled from the same small image, centre-aligned",
      );
    }
    baselines.zoom[String(factor)] = { ...scores, constant: constantFloorPsnr(image.data, channels) };
    classicalPictures[`zoom-${factor}-input`] = {
      file: zoomInputFile(factor),
      caption: `the ${small.width}² input (×${factor} box-downsampled, 8-bit)`,
      normalisation: `${IMAGE_NORMALISATION}; ${small.width}² pixels, shown enlarged`,
    };
  }
  return { imagePictures, runPictures, classicalPictures, measurements, baselines };
}
