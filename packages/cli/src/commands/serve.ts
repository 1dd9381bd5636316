import type { Command } from "commander";

// Placeholder until the serve command lands (see its issue).
export function registerServe(_program: Command): void {}
