import {
  derivativeScaling,
  LAPLACIAN_STENCIL,
  pixelLaplacian,
  TARGET_GRADIENT_STENCIL,
  targetGradient,
} from "../calculus.ts";
import type { ImageData } from "../image-io.ts";
import { derivativeOnlyTask } from "./derivative-only.ts";
import type { Task } from "./task.ts";

/** Poisson reconstruction from the image's finite-difference gradient alone. */
export function poissonGradientTask(image: ImageData): Task {
  const { width, height, channels } = image;
  return derivativeOnlyTask(
    {
      name: "poisson-gradient",
      supervision: "gradient",
      targets: { ...targetGradient(image.data, width, height, channels) },
      summary: { derivatives: derivativeScaling(width, height, TARGET_GRADIENT_STENCIL) },
    },
    image,
  );
}

/** Poisson reconstruction from the image's 5-point Laplacian alone. */
export function poissonLaplacianTask(image: ImageData): Task {
  const { width, height, channels } = image;
  return derivativeOnlyTask(
    {
      name: "poisson-laplacian",
      supervision: "laplacian",
      targets: { laplacian: pixelLaplacian(image.data, width, height, channels) },
      summary: { derivatives: derivativeScaling(width, height, LAPLACIAN_STENCIL) },
    },
    image,
  );
}
