/**
 * A short log of render events (job started, tile shown, job done) and the model-run count,
 * on `window.sirenViewer`, so end-to-end tests and `pnpm bench:viewer` can check the order of
 * events and that a redraw ran no model. Bounded: the newest 2,000 events.
 */
export interface DebugEvent {
  type: "job" | "tile" | "done" | "cancel" | "redraw";
  job?: number;
  level?: number;
  pane?: number;
  /** A tile's model-run time (ms), for the tiling overhead in `pnpm bench:viewer`. */
  ms?: number;
  t?: number;
}

interface DebugState {
  events: DebugEvent[];
  modelRuns: number;
  /** Runs a model of the page's browser renderer on points (parity tests); see Viewer.evaluate. */
  evaluate?: (model: string, coords: number[]) => Promise<{ channels: number; sources: Record<string, number[]> }>;
  /** The renderer in use, e.g. "wasm · 2 threads". */
  backend?: string;
}

const MAX_EVENTS = 2000;

function state(): DebugState {
  const w = window as unknown as { sirenViewer?: DebugState };
  w.sirenViewer ??= { events: [], modelRuns: 0 };
  return w.sirenViewer;
}

export function debugLog(event: DebugEvent): void {
  const s = state();
  s.events.push({ ...event, t: performance.now() });
  if (s.events.length > MAX_EVENTS) s.events.splice(0, s.events.length - MAX_EVENTS);
}

export function recordModelRuns(runs: number): void {
  state().modelRuns = runs;
}

export function exposeDebug(extra: Partial<DebugState>): void {
  Object.assign(state(), extra);
}
