/** A small dependency-free SVG line chart (loss and PSNR curves of one or many runs). */

export interface Series {
  label: string;
  points: Array<[number, number]>;
  color?: string;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  logY?: boolean;
  width?: number;
  height?: number;
}

export const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * span; t += step) ticks.push(+t.toPrecision(12));
  return ticks;
}

/** Renders one chart as an SVG <g> block placed at (x, y). */
export function chartGroup(series: Series[], options: ChartOptions, x = 0, y = 0): string {
  const width = options.width ?? 480;
  const height = options.height ?? 300;
  const m = { left: 60, right: 16, top: 28, bottom: 40 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const ty = (v: number) => (options.logY ? Math.log10(Math.max(v, 1e-12)) : v);
  const all = series.flatMap((s) => s.points.filter(([, v]) => Number.isFinite(v)));
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => ty(p[1]));
  const x0 = Math.min(0, ...xs);
  const x1 = Math.max(1, ...xs);
  let y0 = ys.length ? Math.min(...ys) : 0;
  let y1 = ys.length ? Math.max(...ys) : 1;
  if (y0 === y1) {
    y0 -= 1;
    y1 += 1;
  }
  const sx = (v: number) => m.left + ((v - x0) / (x1 - x0)) * pw;
  const sy = (v: number) => m.top + ph - ((ty(v) - y0) / (y1 - y0)) * ph;
  const parts: string[] = [`<g transform="translate(${x},${y})" font-family="sans-serif" font-size="11">`];
  parts.push(`<text x="${width / 2}" y="16" text-anchor="middle" font-size="13">${escapeXml(options.title)}</text>`);
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  for (const t of niceTicks(x0, x1)) {
    parts.push(`<line x1="${sx(t)}" x2="${sx(t)}" y1="${m.top + ph}" y2="${m.top + ph + 4}" stroke="#999"/>`);
    parts.push(`<text x="${sx(t)}" y="${m.top + ph + 16}" text-anchor="middle">${t}</text>`);
  }
  for (const t of niceTicks(y0, y1)) {
    const yy = m.top + ph - ((t - y0) / (y1 - y0)) * ph;
    // Log axes: whole decades as 1eK, other ticks as their value.
    const label = !options.logY ? `${t}` : Number.isInteger(t) ? `1e${t}` : (10 ** t).toPrecision(2);
    parts.push(`<line x1="${m.left - 4}" x2="${m.left + pw}" y1="${yy}" y2="${yy}" stroke="#eee"/>`);
    parts.push(`<text x="${m.left - 6}" y="${yy + 4}" text-anchor="end">${label}</text>`);
  }
  parts.push(`<text x="${m.left + pw / 2}" y="${height - 6}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  parts.push(
    `<text transform="translate(14,${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const d = s.points
      .filter(([, v]) => Number.isFinite(v))
      .map(([px, py], k) => `${k ? "L" : "M"}${sx(px).toFixed(1)},${sy(py).toFixed(1)}`)
      .join("");
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    parts.push(`<rect x="${m.left + 8}" y="${m.top + 6 + i * 14}" width="10" height="3" fill="${color}"/>`);
    parts.push(`<text x="${m.left + 22}" y="${m.top + 11 + i * 14}">${escapeXml(s.label)}</text>`);
  });
  parts.push("</g>");
  return parts.join("\n");
}

/** Loss (log scale) and PSNR side by side, as one standalone SVG document. */
export function curvesSvg(loss: Series[], psnr: Series[], title = ""): string {
  const w = 480;
  const h = 300;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * w}" height="${h}" viewBox="0 0 ${2 * w} ${h}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    chartGroup(loss, { title: `${title}loss`, xLabel: "step", yLabel: "loss (MSE)", logY: true, width: w, height: h }),
    chartGroup(psnr, { title: `${title}PSNR`, xLabel: "step", yLabel: "PSNR (dB)", width: w, height: h }, w, 0),
    "</svg>",
  ].join("\n");
}
