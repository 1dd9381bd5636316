export * from "./files.ts";
export * from "./progress.ts";
