export * from "./files.ts";
export * from "./output-files.ts";
export * from "./progress.ts";
