export * from "./calculus.ts";
export * from "./device-check.ts";
export * from "./engines/create-engine.ts";
export * from "./engines/engine.ts";
export * from "./engines/onnx-engine.ts";
export type * from "./engines/onnx-runtime.ts";
export * from "./engines/onnx-step-engine.ts";
export * from "./engines/onnx-training-graph.ts";
export * from "./image-io.ts";
export * from "./metrics.ts";
export * from "./optimizer-file.ts";
export {
  fitWithNullSpace,
  type GradientSolveOptions,
  laplacianNullSpace,
  type PoissonSolution,
  solveFromGradient,
  solveFromLaplacian,
} from "./poisson-solver.ts";
export * from "./report/line-chart.ts";
export * from "./run-output.ts";
export * from "./run-summary.ts";
export * from "./tasks/fit.ts";
export * from "./tasks/index.ts";
export * from "./train-image.ts";
export * from "./train-loop.ts";
