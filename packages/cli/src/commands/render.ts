import type { Command } from "commander";

// Placeholder until the render command lands (see its issue).
export function registerRender(_program: Command): void {}
