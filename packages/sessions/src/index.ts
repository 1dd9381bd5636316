export * from "./devices.ts";
export * from "./sessions.ts";
export * from "./worker-sessions.ts";
