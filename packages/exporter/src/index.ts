export * from "./export-model.ts";
export * from "./model-graph.ts";
