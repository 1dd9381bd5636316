/**
 * Progress display for long work: an updating line on a TTY, plain periodic lines otherwise
 * (logs and CI). Shows done/total, an ETA and any extra fields (loss, PSNR, ...).
 */
export class Progress {
  private readonly start = Date.now();
  private lastPlain = 0;
  private lastDraw = 0;
  /** The line is closed (a finished bar or stop()): nothing more to end. */
  private ended = false;
  private readonly tty: boolean;
  /**
   * When the count first moved: the ETA's rate is measured from there, so that time spent before
   * the first unit (a study run's warm start, shown beside its bar at 0) is not spread over the rest.
   */
  private anchor?: { time: number; done: number };

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly plainIntervalMs = 5000,
  ) {
    this.tty = Boolean(stream.isTTY) && process.env.CI === undefined;
  }

  update(done: number, fields: Record<string, string> = {}): void {
    const now = Date.now();
    if (done > 0 && !this.anchor) this.anchor = { time: now, done };
    const finished = done >= this.total;
    if (this.tty ? now - this.lastDraw < 100 && !finished : now - this.lastPlain < this.plainIntervalMs && !finished) {
      return;
    }
    const elapsed = (now - this.start) / 1000;
    const anchor = this.anchor;
    const eta =
      anchor && done > anchor.done
        ? ((now - anchor.time) / 1000 / (done - anchor.done)) * (this.total - done)
        : Number.NaN;
    const pct = ((100 * done) / this.total).toFixed(0).padStart(3);
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k} ${v}`)
      .join("  ");
    const text = `${this.label} ${pct}% ${done}/${this.total}  ${extra}  elapsed ${formatSeconds(elapsed)}  eta ${formatSeconds(eta)}`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round((width * done) / this.total);
      this.stream.write(`\r\x1b[2K[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${text}`);
      if (finished) {
        this.stream.write("\n");
        this.ended = true;
      }
      this.lastDraw = now;
    } else {
      this.stream.write(`${text}\n`);
      this.lastPlain = now;
    }
  }

  /** Ends an interrupted display cleanly (the next output starts on a fresh line). */
  stop(): void {
    if (this.tty && !this.ended) this.stream.write("\n");
    this.ended = true;
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "--";
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
