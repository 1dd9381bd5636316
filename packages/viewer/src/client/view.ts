import { type Region, TRAINING_DOMAIN } from "@siren-onnx/core";

/**
 * The viewer's camera: the coordinate at the canvas centre and the coordinate step between
 * neighbouring device pixels: `scale` along x, `scale * aspect` along y. Canvas pixel i has its
 * centre at x0 + i * scale, like the pixel-centre grid of core's regionGrid. The aspect keeps
 * non-square training images undistorted: both axes span [-1, 1] whatever the pixel counts.
 */
export interface View {
  cx: number;
  cy: number;
  scale: number;
  /** y step / x step: (sourceWidth - 1) / (sourceHeight - 1) for the training image. */
  aspect: number;
}

/** The aspect of a training image (1 when unknown). */
export function sourceAspect(width: number, height: number): number {
  return width > 1 && height > 1 ? (width - 1) / (height - 1) : 1;
}

/** Below this step float32 coordinates (the model's input) no longer resolve neighbouring pixels. */
const FLOAT32_STEP = 2 ** -22;
/** parseRegion refuses coordinates beyond 1e6; stay well inside. */
const MAX_EXTENT = 1e5;

/** The whole training domain with a margin, so its outline is visible. */
export const HOME_REGION: Region = { x0: -1.08, y0: -1.08, x1: 1.08, y1: 1.08 };

/** Region of pixel centres that a width x height canvas shows. */
export function viewRegion(view: View, width: number, height: number): Region {
  const hx = (view.scale * (width - 1)) / 2;
  const hy = (view.scale * view.aspect * (height - 1)) / 2;
  return { x0: view.cx - hx, y0: view.cy - hy, x1: view.cx + hx, y1: view.cy + hy };
}

/** The view that shows all of `region` on a width x height canvas, centred (letterboxed). */
export function fitRegion(region: Region, width: number, height: number, aspect = 1): View {
  const sx = Math.abs(region.x1 - region.x0) / Math.max(1, width - 1);
  const sy = Math.abs(region.y1 - region.y0) / Math.max(1, height - 1) / aspect;
  const cx = (region.x0 + region.x1) / 2;
  return clampView({ cx, cy: (region.y0 + region.y1) / 2, scale: Math.max(sx, sy), aspect });
}

/** Keeps the view where float32 coordinates still mean something. */
export function clampView(view: View): View {
  const cx = Math.min(MAX_EXTENT / 2, Math.max(-MAX_EXTENT / 2, view.cx));
  const cy = Math.min(MAX_EXTENT / 2, Math.max(-MAX_EXTENT / 2, view.cy));
  const finest = FLOAT32_STEP * Math.max(1, Math.abs(cx), Math.abs(cy));
  const scale = Math.min(MAX_EXTENT / 1e4, Math.max(finest / Math.min(1, view.aspect), view.scale));
  return { cx, cy, scale, aspect: view.aspect };
}

/** Coordinate of a (fractional) device-pixel position; pixel centres are at integer + 0.5. */
export function pixelToPoint(view: View, width: number, height: number, px: number, py: number) {
  const r = viewRegion(view, width, height);
  return { x: r.x0 + (px - 0.5) * view.scale, y: r.y0 + (py - 0.5) * view.scale * view.aspect };
}

/** Zooms by `factor` (> 1 zooms in) keeping the point under (px, py) fixed. */
export function zoomAt(view: View, width: number, height: number, px: number, py: number, factor: number): View {
  const p = pixelToPoint(view, width, height, px, py);
  const zoomed = clampView({ ...view, scale: view.scale / factor });
  const k = zoomed.scale / view.scale;
  return clampView({ ...zoomed, cx: p.x + (view.cx - p.x) * k, cy: p.y + (view.cy - p.y) * k });
}

/** Moves the content by (dx, dy) device pixels (drag direction). */
export function panBy(view: View, dx: number, dy: number): View {
  return clampView({ ...view, cx: view.cx - dx * view.scale, cy: view.cy - dy * view.scale * view.aspect });
}

/**
 * The training image's extent for the outline: pixel centres at -1 and +1, so the image
 * reaches half a pixel further (1 / (n - 1) for an n-pixel side).
 */
export function trainingExtent(sourceWidth: number, sourceHeight: number): Region {
  const hx = sourceWidth > 1 ? 1 / (sourceWidth - 1) : 0;
  const hy = sourceHeight > 1 ? 1 / (sourceHeight - 1) : 0;
  const d = TRAINING_DOMAIN;
  return { x0: d.x0 - hx, y0: d.y0 - hy, x1: d.x1 + hx, y1: d.y1 + hy };
}

/** Device-pixel rectangle (edges, not centres) of a coordinate region on the canvas. */
export function regionToPixels(view: View, width: number, height: number, region: Region) {
  const r = viewRegion(view, width, height);
  const toX = (x: number) => (x - r.x0) / view.scale + 0.5;
  const toY = (y: number) => (y - r.y0) / (view.scale * view.aspect) + 0.5;
  return { left: toX(region.x0), top: toY(region.y0), right: toX(region.x1), bottom: toY(region.y1) };
}
