/**
 * `@siren-onnx/trainer/browser`: the trainer's parts with no Node imports (no node:, sharp or
 * onnxruntime-node), for the viewer's train worker. The same modules the CLI runs, not copies:
 * the training-step graphs, the engine over any onnxruntime, the loop, the single-image tasks,
 * metrics and the checkpoint summary.
 */
export type { AdamOptions, AdamState, EngineOptions, StepBatch, TrainingEngine } from "./engines/engine.ts";
export { DEFAULT_ADAM } from "./engines/engine.ts";
export type * from "./engines/onnx-runtime.ts";
export * from "./engines/onnx-step-engine.ts";
export * from "./engines/onnx-training-graph.ts";
export type { ImageData } from "./image-io.ts";
export * from "./metrics.ts";
export * from "./run-summary.ts";
export * from "./tasks/single-image.ts";
export type { Task, TaskMetrics } from "./tasks/task.ts";
export { TASK_DEFAULTS } from "./tasks/task-defaults.ts";
export { TASK_NAMES, TASK_SUPERVISION, type TaskName } from "./tasks/task-names.ts";
export * from "./train-defaults.ts";
export * from "./train-run.ts";
