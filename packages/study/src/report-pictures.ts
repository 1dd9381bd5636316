import { join, posix } from "node:path";
import {
  AFFINE_RECONSTRUCTION_FILE,
  BLEND_REFERENCE_FILE,
  KNOWN_PIXELS_FILE,
  loadImage,
  RUN_FILES,
  SECOND_IMAGE_FILE,
  type TaskName,
} from "@siren-onnx/trainer";
import { type ModelRender, type ReportPicture, saveImagePicture, saveModelPictures } from "./pictures.ts";
import type { ReportData } from "./report-html.ts";
import type { RunResult } from "./results.ts";
import type { StudyConfig } from "./study-config.ts";
import { REPORT_FILES } from "./study-folder.ts";

const picturesDir = REPORT_FILES.pictures;

/** Pictures the trainer already wrote into a run folder, by kind. */
const RUN_FOLDER_PICTURES: Record<string, { file: string; caption: string }> = {
  reconstruction: { file: RUN_FILES.reconstruction, caption: "reconstruction" },
  affine: { file: AFFINE_RECONSTRUCTION_FILE, caption: "reconstruction (affine fit)" },
  known: { file: KNOWN_PIXELS_FILE, caption: "known pixels" },
  image2: { file: SECOND_IMAGE_FILE, caption: "second image" },
  reference: { file: BLEND_REFERENCE_FILE, caption: "pixel blend (reference)" },
};

const TASK_RUN_PICTURES: Record<TaskName, string[]> = {
  fit: ["reconstruction"],
  "poisson-gradient": ["affine"],
  "poisson-laplacian": ["affine"],
  blend: ["affine", "image2", "reference"],
  inpaint: ["known", "reconstruction"],
};

function runFolderPictures(result: RunResult): Record<string, ReportPicture> {
  return Object.fromEntries(
    TASK_RUN_PICTURES[result.task].map((kind) => {
      const { file, caption } = RUN_FOLDER_PICTURES[kind];
      const score = kind === "reconstruction" || kind === "affine" ? ` (${result.value.toFixed(1)} dB)` : "";
      const picture = {
        file: posix.join(result.dir, file),
        caption: `${result.model}: ${kind === "known" ? `${result.points} ` : ""}${caption}${score}`,
        normalisation: "image: (v + 1) / 2 clipped to [0, 1]",
      };
      return [kind, picture];
    }),
  );
}

/** The renders of a run's exported model that the report shows. */
function modelRenders(result: RunResult, config: StudyConfig): ModelRender[] {
  const render = (kind: string, caption: string, output: ModelRender["output"], region?: ModelRender["region"]) => ({
    kind,
    file: posix.join(picturesDir, `${result.id}-${kind}.png`),
    caption: `${result.model}: ${caption}`,
    output,
    region,
  });
  const o = config.outOfSample;
  if (result.task === "fit") {
    return [
      render("gradient", "|gradient|", "gradient-magnitude"),
      render("laplacian", "Laplacian", "laplacian"),
      render("outside", `[${o.x0}, ${o.x1}] × [${o.y0}, ${o.y1}]`, "image", o),
    ];
  }
  if (result.task === "poisson-gradient") return [render("supervised", "|gradient|", "gradient-magnitude")];
  if (result.task === "poisson-laplacian") return [render("supervised", "Laplacian", "laplacian")];
  return [];
}

/** Writes the report's pictures: the image's own maps and the renders of every run's exported model. */
export async function makeReportPictures(
  out: string,
  config: StudyConfig,
  imagePath: string,
  results: RunResult[],
): Promise<Pick<ReportData, "imagePictures" | "runPictures">> {
  const image = await loadImage(imagePath, { size: config.size });
  const save = (
    name: string,
    data: typeof image,
    output: "image" | "gradient-magnitude" | "laplacian",
    caption: string,
  ) => saveImagePicture(out, posix.join(picturesDir, name), data, output, caption);
  const imagePictures = {
    image: await save("image.png", image, "image", "image"),
    gradient: await save("image-gradient.png", image, "gradient-magnitude", "image: |gradient| (finite differences)"),
    laplacian: await save("image-laplacian.png", image, "laplacian", "image: Laplacian (5-point stencil)"),
  };
  const runPictures: ReportData["runPictures"] = {};
  for (const result of results) {
    const renders = modelRenders(result, config);
    const rendered = renders.length
      ? await saveModelPictures(out, join(out, result.models.image), config.size, renders)
      : {};
    runPictures[result.id] = { ...runFolderPictures(result), ...rendered };
  }
  return { imagePictures, runPictures };
}
