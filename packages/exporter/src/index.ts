export * from "./devices.ts";
export * from "./export-model.ts";
export * from "./render.ts";
export * from "./render-file.ts";
export * from "./sessions.ts";
export * from "./value-files.ts";
