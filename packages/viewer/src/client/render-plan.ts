/**
 * Progressive rendering: a coarse level that fits in one tile comes first (shown at once),
 * then levels of twice the resolution up to the canvas's own. Each level is computed in tiles
 * of whole rows (4k-16k points), so stale work can stop between tiles.
 */
export interface Level {
  width: number;
  height: number;
  /** Rows per tile. */
  tileRows: number;
}

export const TILE_POINTS = 8192;
/** The first level has at most this many points: one tile, a few tens of milliseconds. */
const COARSE_POINTS = 4096;

export function planLevels(width: number, height: number, tilePoints = TILE_POINTS): Level[] {
  let factor = 1;
  while (Math.ceil(width / factor) * Math.ceil(height / factor) > COARSE_POINTS && factor < 1024) factor *= 2;
  const levels: Level[] = [];
  for (; factor >= 1; factor /= 2) {
    const w = Math.ceil(width / factor);
    const h = Math.ceil(height / factor);
    levels.push({ width: w, height: h, tileRows: Math.max(1, Math.floor(tilePoints / w)) });
  }
  return levels;
}

/** Row ranges [start, end) of a level's tiles. */
export function tileRanges(level: Level): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let r = 0; r < level.height; r += level.tileRows) ranges.push([r, Math.min(level.height, r + level.tileRows)]);
  return ranges;
}
