import { join } from "node:path";
import { colorize, type Region, type RenderOutput, TRAINING_DOMAIN } from "@siren-onnx/core";
import { writeFileAtomic } from "@siren-onnx/core/node";
import { loadRenderModel, renderPng } from "@siren-onnx/exporter";
import { encodePng, type ImageData, interleaveGradient, pixelGradient, pixelLaplacian } from "@siren-onnx/trainer";

/** A picture file of the report, relative to the report folder, and how its values were coloured. */
export interface ReportPicture {
  file: string;
  caption: string;
  normalisation: string;
}

async function savePicture(out: string, file: string, rgba: Uint8ClampedArray, width: number, height: number) {
  const bytes = new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  await writeFileAtomic(join(out, file), await encodePng(bytes, width, height, 4));
}

/** The finite-difference maps of an image, coloured exactly as the models' renders are. */
export function finiteDifferenceValues(image: ImageData, output: RenderOutput): Float32Array {
  const { data, width, height, channels } = image;
  if (output === "image") return data;
  if (output === "laplacian") return pixelLaplacian(data, width, height, channels);
  const gradient = pixelGradient(data, width, height, channels);
  if (output === "gradient") return interleaveGradient(gradient);
  if (output === "gradient-x") return gradient.dx;
  if (output === "gradient-y") return gradient.dy;
  return gradient.dx.map((dx, i) => Math.hypot(dx, gradient.dy[i]));
}

/** Saves an image's own picture (output "image") or finite-difference derivative map. */
export async function saveImagePicture(
  out: string,
  file: string,
  image: ImageData,
  output: RenderOutput,
  caption: string,
): Promise<ReportPicture> {
  const { rgba, normalisation } = colorize(finiteDifferenceValues(image, output), output, image.channels);
  await savePicture(out, file, rgba, image.width, image.height);
  return { file, caption, normalisation };
}

export interface ModelRender {
  /** What the picture shows in the report (gradient, laplacian, outside, ...). */
  kind: string;
  file: string;
  caption: string;
  output: RenderOutput;
  region?: Region;
}

/** Renders an exported model (models/<id>.onnx, derivatives from its .deriv.onnx sibling) into pictures. */
export async function saveModelPictures(
  out: string,
  modelPath: string,
  size: number,
  renders: ModelRender[],
): Promise<Record<string, ReportPicture>> {
  const model = await loadRenderModel(modelPath);
  try {
    const pictures: Record<string, ReportPicture> = {};
    for (const r of renders) {
      const region = r.region ?? TRAINING_DOMAIN;
      const { png, normalisation } = await renderPng(model, { width: size, height: size, region, output: r.output });
      await writeFileAtomic(join(out, r.file), png);
      pictures[r.kind] = { file: r.file, caption: r.caption, normalisation };
    }
    return pictures;
  } finally {
    await model.dispose();
  }
}
