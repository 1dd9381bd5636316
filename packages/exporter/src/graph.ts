/** `@siren-onnx/exporter/graph`: checkpoint -> ONNX bytes without the file handling (browser-safe). */
export * from "./model-graph.ts";
