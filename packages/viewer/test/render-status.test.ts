import { afterEach, describe, expect, it, vi } from "vitest";
import { RenderStatus } from "../src/client/render-status.ts";

describe("the status line", () => {
  afterEach(() => vi.useRealTimers());

  function status() {
    const lines: string[] = [];
    const bars: Array<number | undefined> = [];
    const s = new RenderStatus(
      (t) => lines.push(t),
      (f) => bars.push(f),
    );
    return { s, lines, bars };
  }

  it("is rebuilt from its parts: no scale note or old time survives a new render", () => {
    const { s, lines } = status();
    s.backend("wasm · 2 threads", "auto, predicted frame: server 900 ms, wasm 300 ms");
    s.rendering(640, 480, "laplacian");
    s.done(1234, "one colour scale shared by the panes");
    expect(lines.at(-1)).toBe(
      "wasm · 2 threads (auto, predicted frame: server 900 ms, wasm 300 ms) · 640×480 ∇² · 1.23 s · one colour scale shared by the panes",
    );
    s.rendering(640, 480, "image");
    expect(lines.at(-1)).toBe(
      "wasm · 2 threads (auto, predicted frame: server 900 ms, wasm 300 ms) · 640×480 image · rendering…",
    );
    s.redrawn("gradient-x", 12.4, "");
    expect(lines.at(-1)).toMatch(/· ∂x redrawn from the kept outputs in 12 ms \(no model run\)$/);
  });

  it("shows progress only for renders that take over a second, and hides it when done", () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    const { s, lines, bars } = status();
    s.rendering(100, 100, "image");
    s.progress(0.3);
    expect(bars).toEqual([undefined]); // a short render: no bar
    vi.advanceTimersByTime(1500);
    s.progress(0.4);
    expect(bars.at(-1)).toBe(0.4);
    expect(lines.at(-1)).toMatch(/rendering 40%$/);
    s.done(1600, "");
    expect(bars.at(-1)).toBeUndefined();
    expect(lines.at(-1)).toMatch(/100×100 image · 1.60 s$/);
  });
});
