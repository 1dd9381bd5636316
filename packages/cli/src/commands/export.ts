import type { Command } from "commander";

// Placeholder until the export command lands (see its issue).
export function registerExport(_program: Command): void {}
