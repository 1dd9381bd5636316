/** Line charts of the runs' loss (log scale) and PSNR, redrawn on a canvas as points arrive. */

export const SERIES_COLOURS = ["#ffd200", "#4fc3f7", "#ef5350", "#81c784", "#ba68c8", "#ff8a65", "#e0e0e0"];

export class LineChart {
  private readonly series: Array<Array<[number, number]>> = [];
  private pending = false;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly title: string,
    private readonly log = false,
  ) {}

  reset(count: number): void {
    this.series.length = 0;
    for (let i = 0; i < count; i++) this.series.push([]);
    this.draw();
  }

  add(series: number, x: number, y: number): void {
    if (!Number.isFinite(y) || (this.log && y <= 0)) return;
    this.series[series]?.push([x, this.log ? Math.log10(y) : y]);
    // At most one redraw a frame, however many points arrive.
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.draw();
      });
    }
  }

  /** The last value of each series (tests read it from the page). */
  last(series: number): number | undefined {
    const points = this.series[series];
    const y = points?.[points.length - 1]?.[1];
    return y === undefined ? undefined : this.log ? 10 ** y : y;
  }

  private draw(): void {
    const { canvas } = this;
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    const w = canvas.width;
    const h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = "#bbb";
    ctx.font = "11px system-ui, sans-serif";
    const all = this.series.flat();
    if (all.length === 0) {
      ctx.fillText(this.title, 6, 14);
      return;
    }
    const xs = all.map((p) => p[0]);
    const ys = all.map((p) => p[1]);
    const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
    let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
    if (y1 - y0 < 1e-9) [y0, y1] = [y0 - 0.5, y1 + 0.5];
    const pad = { l: 40, r: 6, t: 18, b: 14 };
    const px = (x: number) => pad.l + ((x - x0) / (x1 - x0)) * (w - pad.l - pad.r);
    const py = (y: number) => h - pad.b - ((y - y0) / (y1 - y0)) * (h - pad.t - pad.b);
    const label = (y: number) => (this.log ? (10 ** y).toExponential(0) : y.toFixed(1));
    ctx.fillText(this.title, pad.l, 12);
    ctx.fillText(label(y1), 2, pad.t + 4);
    ctx.fillText(label(y0), 2, h - pad.b);
    ctx.fillText(String(Math.round(x1)), w - 30, h - 2);
    ctx.strokeStyle = "#444";
    ctx.strokeRect(pad.l, pad.t, w - pad.l - pad.r, h - pad.t - pad.b);
    this.series.forEach((points, i) => {
      if (points.length === 0) return;
      ctx.strokeStyle = SERIES_COLOURS[i % SERIES_COLOURS.length];
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      for (const [k, [x, y]] of points.entries()) {
        if (k === 0) ctx.moveTo(px(x), py(y));
        else ctx.lineTo(px(x), py(y));
      }
      ctx.stroke();
    });
  }
}
