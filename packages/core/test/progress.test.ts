import { PassThrough } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { Progress } from "../src/node/progress.ts";

/** A stream that says it is a terminal, so Progress draws its bar and ends lines itself. */
function terminal(): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream;
  stream.isTTY = true;
  let text = "";
  (stream as unknown as PassThrough).on("data", (d) => {
    text += String(d);
  });
  return { stream, text: () => text };
}

describe("Progress", () => {
  it("ends a finished bar's line once: stop() after it adds no blank line (one bar follows another)", async () => {
    const saved = process.env.CI;
    delete process.env.CI;
    try {
      const { stream, text } = terminal();
      const first = new Progress("warm start", 2, stream);
      first.update(2);
      first.stop();
      const second = new Progress("train", 3, stream);
      second.update(1);
      second.stop();
      await new Promise((r) => setImmediate(r));
      expect(text().match(/\n/g)).toHaveLength(2);
      expect(text()).not.toContain("\n\n");
      const [warm, train] = text().split("\n");
      expect(warm).toContain("warm start 100% 2/2");
      expect(train).toContain("] train  33% 1/3");
    } finally {
      if (saved !== undefined) process.env.CI = saved;
    }
  });

  it("measures the ETA from the first unit done, not from its creation (a warm start before the steps)", () => {
    vi.useFakeTimers();
    try {
      const lines: string[] = [];
      const stream = { isTTY: false, write: (t: string) => lines.push(t) } as unknown as NodeJS.WriteStream;
      const bar = new Progress("run", 100, stream, 0);
      bar.update(0); // a 60 s warm start shows at 0
      vi.advanceTimersByTime(60_000);
      bar.update(1);
      vi.advanceTimersByTime(2_000);
      bar.update(3); // 1 s a step since the first one: 97 steps left
      expect(lines[1]).toContain("eta --");
      expect(lines[2]).toContain("elapsed 1m02s");
      expect(lines[2]).toContain("eta 1m37s");
    } finally {
      vi.useRealTimers();
    }
  });
});
