import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const main = fileURLToPath(new URL("../../packages/cli/src/main.ts", import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `siren <args>` as a real process: `node --import tsx` (what `pnpm siren` runs), or with
 * `pnpm: true` the public command itself, `pnpm siren` (then the child is pnpm).
 */
export function runCli(
  args: string[],
  options: {
    onStderr?: (chunk: string, child: ReturnType<typeof spawn>) => void;
    env?: NodeJS.ProcessEnv;
    pnpm?: boolean;
  } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // Under `pnpm vitest` or `pnpm test`, npm_execpath is the pnpm that runs the tests.
    const execpath = process.env.npm_execpath ?? "";
    const pnpm = !/pnpm/.test(execpath)
      ? ["pnpm"]
      : /\.[cm]?js$/.test(execpath)
        ? [process.execPath, execpath]
        : [execpath];
    const [command, ...prefix] = options.pnpm ? [...pnpm, "-s", "siren"] : [process.execPath, "--import", "tsx", main];
    const child = spawn(command, [...prefix, ...args], {
      cwd: root,
      env: { ...process.env, CI: "1", ...options.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
      options.onStderr?.(String(d), child);
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The user-facing error lines (Node's own warnings filtered out). */
export function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.trim() !== "" && !/ExperimentalWarning|--trace-warnings/.test(l));
}
