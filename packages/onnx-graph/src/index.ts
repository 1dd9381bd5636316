export * from "./autodiff.ts";
export * from "./graph.ts";
export * from "./graph-ops.ts";
export * from "./lower-trig.ts";
export * from "./model-metadata.ts";
export * from "./onnx-model.ts";
export * from "./onnx-rewrite.ts";
