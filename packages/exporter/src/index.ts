export * from "./onnx-model.ts";
