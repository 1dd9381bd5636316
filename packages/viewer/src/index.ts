export * from "./server/app.ts";
export * from "./server/client-build.ts";
export * from "./server/model-registry.ts";
export * from "./server/render-queue.ts";
export * from "./server/render-route.ts";
export * from "./server/start-server.ts";
export * from "./shared/model-entry.ts";
