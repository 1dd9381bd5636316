export * from "./render.ts";
export * from "./render-file.ts";
export * from "./value-files.ts";
