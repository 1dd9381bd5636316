import { constants } from "node:os";

const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
type StopSignal = (typeof STOP_SIGNALS)[number];

/** Repeats closer together than this are one event (the terminal and pnpm both deliver Ctrl-C). */
const REPEAT_MS = 1000;

export interface StopSignals {
  /** 128 + the number of the first signal (130 INT, 143 TERM, 129 HUP), as a shell reports it; undefined if none came. */
  exitCode(): number | undefined;
  dispose(): void;
}

/**
 * Turns SIGINT, SIGTERM and SIGHUP into `controller.abort()`: the work finishes its current step
 * and saves. A second signal more than a second later quits at once without saving.
 *
 * Under `pnpm siren`, pnpm forwards SIGINT and SIGTERM to this process but dies on a SIGHUP sent
 * only to it; its death (this process is re-parented) counts as that SIGHUP.
 */
export function stopOnSignals(controller: AbortController, onStop: (message: string) => void): StopSignals {
  let first: { signal: StopSignal; at: number } | undefined;
  const stop = (signal: StopSignal, why: string) => {
    if (first) {
      if (Date.now() - first.at > REPEAT_MS) {
        console.error(`${signal} again: quitting without saving`);
        process.exit(128 + constants.signals[first.signal]);
      }
      return;
    }
    first = { signal, at: Date.now() };
    if (signal === "SIGHUP") {
      // The terminal may be gone: writing to it must not crash the save.
      for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
    }
    onStop(`${why}: finishing the current step and saving the run...`);
    controller.abort();
  };
  const handlers = STOP_SIGNALS.map((signal) => {
    const handler = () => stop(signal, signal === "SIGINT" ? "interrupted" : `${signal} received`);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  const parent = process.ppid;
  const watch =
    process.env.npm_lifecycle_event === "siren"
      ? setInterval(() => {
          if (process.ppid === parent) return;
          clearInterval(watch);
          stop("SIGHUP", "the pnpm process running siren has gone");
        }, 500).unref()
      : undefined;
  return {
    exitCode: () => (first ? 128 + constants.signals[first.signal] : undefined),
    dispose() {
      clearInterval(watch);
      for (const [signal, handler] of handlers) process.off(signal, handler);
    },
  };
}
