import type { View } from "./view.ts";

/** Orientation aids drawn on a pane's overlay: zoom factor, scale bar, arrow to the training image. */

interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The largest 1, 2 or 5 x 10^k not above `limit` (a scale bar's length). */
export function niceLength(limit: number): number {
  const power = 10 ** Math.floor(Math.log10(limit));
  for (const m of [5, 2, 1]) if (m * power <= limit) return m * power;
  return power;
}

/** Screen pixels per training pixel: 1 at the training resolution, > 1 zoomed in. */
export function zoomFactor(view: View, sourceWidth: number): number {
  return 2 / Math.max(1, sourceWidth - 1) / view.scale;
}

/**
 * Where an arrow to an off-screen rectangle sits: on a ring inside the canvas border, on the
 * line from the canvas centre to the rectangle's centre. Undefined while any of it is visible.
 */
export function offscreenArrow(width: number, height: number, rect: Rect, margin = 28) {
  const visible = rect.right > 0 && rect.left < width && rect.bottom > 0 && rect.top < height;
  if (visible) return undefined;
  const cx = width / 2;
  const cy = height / 2;
  const dx = (rect.left + rect.right) / 2 - cx;
  const dy = (rect.top + rect.bottom) / 2 - cy;
  const t = Math.min(
    Math.abs(dx) > 0 ? (cx - margin) / Math.abs(dx) : Number.POSITIVE_INFINITY,
    Math.abs(dy) > 0 ? (cy - margin) / Math.abs(dy) : Number.POSITIVE_INFINITY,
  );
  return { x: cx + dx * t, y: cy + dy * t, angle: Math.atan2(dy, dx), distance: Math.hypot(dx, dy) };
}

function label(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, dpr: number): void {
  ctx.font = `${11 * dpr}px system-ui, sans-serif`;
  const w = ctx.measureText(text).width;
  ctx.fillStyle = "rgba(0, 0, 0, 0.6)";
  ctx.fillRect(x - 3 * dpr, y - 11 * dpr, w + 6 * dpr, 15 * dpr);
  ctx.fillStyle = "#eee";
  ctx.fillText(text, x, y);
}

/** Zoom factor and scale bar (bottom left), and an arrow when the training image is out of view. */
export function drawOrientation(
  ctx: CanvasRenderingContext2D,
  view: View,
  training: Rect,
  sourceWidth: number,
  dpr: number,
): void {
  const { width, height } = ctx.canvas;
  ctx.setLineDash([]);
  const units = niceLength(120 * dpr * view.scale);
  const barPx = units / view.scale;
  const x = 10 * dpr;
  const y = height - 12 * dpr;
  ctx.strokeStyle = "rgba(0, 0, 0, 0.7)";
  ctx.lineWidth = 4 * dpr;
  ctx.beginPath();
  ctx.moveTo(x, y);
  ctx.lineTo(x + barPx, y);
  ctx.stroke();
  ctx.strokeStyle = "#eee";
  ctx.lineWidth = 2 * dpr;
  ctx.stroke();
  const trainingPixels = (units * Math.max(1, sourceWidth - 1)) / 2;
  const zoom = zoomFactor(view, sourceWidth);
  label(
    ctx,
    `${+units.toPrecision(3)} units = ${+trainingPixels.toPrecision(3)} training px · zoom ×${zoom >= 10 ? zoom.toFixed(0) : +zoom.toPrecision(2)}`,
    x,
    y - 6 * dpr,
    dpr,
  );

  const arrow = offscreenArrow(width, height, training, 28 * dpr);
  if (!arrow) return;
  ctx.save();
  ctx.translate(arrow.x, arrow.y);
  ctx.rotate(arrow.angle);
  ctx.fillStyle = "rgba(255, 210, 0, 0.95)";
  ctx.strokeStyle = "rgba(0, 0, 0, 0.8)";
  ctx.lineWidth = dpr;
  ctx.beginPath();
  ctx.moveTo(14 * dpr, 0);
  ctx.lineTo(-8 * dpr, -9 * dpr);
  ctx.lineTo(-3 * dpr, 0);
  ctx.lineTo(-8 * dpr, 9 * dpr);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
  ctx.restore();
  const text = "training image";
  ctx.font = `${11 * dpr}px system-ui, sans-serif`;
  const w = ctx.measureText(text).width;
  const lx = Math.min(width - w - 6 * dpr, Math.max(6 * dpr, arrow.x - w / 2 - Math.cos(arrow.angle) * 30 * dpr));
  const ly = Math.min(height - 20 * dpr, Math.max(16 * dpr, arrow.y - Math.sin(arrow.angle) * 22 * dpr + 4 * dpr));
  label(ctx, text, lx, ly, dpr);
}
