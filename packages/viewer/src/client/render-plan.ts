/**
 * Progressive rendering: a coarse level small enough to come back within tens of milliseconds,
 * then one level at a quarter of the pixels, then the canvas's own resolution. Intermediate
 * levels cost extra work (1/16 + the coarse one: ~7 %, where halving each step would cost 33 %).
 * Each level is computed in tiles of whole rows, sized from the measured speed so that no
 * single onnxruntime call holds the worker for long: stale work stops between tiles.
 */
export interface Level {
  width: number;
  height: number;
}

/** The first level when the engine's speed is still unknown: one small tile. */
export const DEFAULT_COARSE_POINTS = 4096;
/** A tile aims at this long, so a newer view waits at most about this long (issue: ≤ 50 ms). */
export const TARGET_TILE_MS = 30;
/** Tiles never exceed this (memory) nor go below one row. */
export const MAX_TILE_POINTS = 16_384;
const MIN_TILE_POINTS = 256;

/** Levels for a width x height view whose first level has at most `coarsePoints` points. */
export function planLevels(width: number, height: number, coarsePoints = DEFAULT_COARSE_POINTS): Level[] {
  let factor = 1;
  while (Math.ceil(width / factor) * Math.ceil(height / factor) > coarsePoints && factor < 1024) factor *= 2;
  const factors = [factor];
  if (factor > 4) factors.push(4);
  if (factor > 1) factors.push(1);
  return factors.map((f) => ({ width: Math.ceil(width / f), height: Math.ceil(height / f) }));
}

/** The coarse level's size for an engine that computes `pointsPerMs`: about one tile's worth of time. */
export function coarsePointsFor(pointsPerMs: number | undefined): number {
  if (!pointsPerMs || !Number.isFinite(pointsPerMs)) return DEFAULT_COARSE_POINTS;
  return Math.min(MAX_TILE_POINTS, Math.max(1024, Math.round(pointsPerMs * TARGET_TILE_MS)));
}

/** Rows of the next tile of a `levelWidth`-wide level, for an engine at `msPerPoint`. */
export function tileRowsFor(levelWidth: number, msPerPoint: number | undefined, targetMs = TARGET_TILE_MS): number {
  const points =
    msPerPoint && msPerPoint > 0
      ? Math.min(MAX_TILE_POINTS, Math.max(MIN_TILE_POINTS, targetMs / msPerPoint))
      : DEFAULT_COARSE_POINTS;
  return Math.max(1, Math.floor(points / levelWidth));
}

/** Points of all levels together (for progress). */
export function totalPoints(levels: readonly Level[]): number {
  return levels.reduce((n, l) => n + l.width * l.height, 0);
}
