import type { ImageData } from "../image-io.ts";
import { fitTask } from "./fit.ts";
import { inpaintTask } from "./inpaint.ts";
import { poissonGradientTask, poissonLaplacianTask } from "./poisson.ts";
import type { Task } from "./task.ts";
import type { TaskName } from "./task-names.ts";

/** Task-specific settings from the CLI (second image, alpha, points, ...). */
export interface TaskSettings {
  seed: number;
  [key: string]: unknown;
}

/** The tasks made from one image alone: no file access, so the viewer's train worker builds them too. */
export type SingleImageTaskName = Exclude<TaskName, "blend">;

export function buildSingleImageTask(name: SingleImageTaskName, image: ImageData, settings: TaskSettings): Task {
  switch (name) {
    case "fit":
      return fitTask(image);
    case "poisson-gradient":
      return poissonGradientTask(image);
    case "poisson-laplacian":
      return poissonLaplacianTask(image);
    case "inpaint":
      return inpaintTask(image, settings.points, settings.seed);
  }
}
