import { regionGrid } from "@siren-onnx/core";
import type { ImageData } from "../image-io.ts";
import { psnr } from "../metrics.ts";
import type { Task } from "./task.ts";

/** Image fitting: every pixel supervises the model's value. */
export function fitTask(image: ImageData): Task {
  return {
    name: "fit",
    supervision: "value",
    coords: regionGrid(image.width, image.height),
    targets: { value: image.data },
    reference: image,
    evaluate(prediction) {
      const p = psnr(prediction, image.data);
      return { psnr: p, score: p };
    },
    summary: {},
  };
}
