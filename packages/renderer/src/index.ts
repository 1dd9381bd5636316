export * from "./render.ts";
export * from "./render-file.ts";
export * from "./render-model.ts";
export * from "./render-request.ts";
export * from "./value-files.ts";
