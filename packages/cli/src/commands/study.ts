import type { Command } from "commander";

// Placeholder until the study command lands (see its issue).
export function registerStudy(_program: Command): void {}
