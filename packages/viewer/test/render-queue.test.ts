import { QueueFullError, RenderAbortedError, RenderQueue } from "@siren-onnx/viewer";
import { describe, expect, it } from "vitest";

/** A job that finishes when told to. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, job: async () => opened };
}

describe("RenderQueue", () => {
  it("runs at most `concurrency` jobs at once, in arrival order", async () => {
    const queue = new RenderQueue({ concurrency: 2, maxQueued: 10 });
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const job = (i: number) => async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(i);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return i;
    };
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => queue.run(job(i))));
    expect(results).toEqual([0, 1, 2, 3, 4, 5]);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(queue.size).toEqual({ running: 0, queued: 0 });
  });

  it("refuses work beyond the queue with a Retry-After estimate", async () => {
    const queue = new RenderQueue({ concurrency: 1, maxQueued: 1 });
    const g = gate();
    const first = queue.run(g.job);
    const second = queue.run(async () => "second");
    await expect(queue.run(async () => "third")).rejects.toBeInstanceOf(QueueFullError);
    const err = await queue.run(async () => 0).catch((e: QueueFullError) => e);
    expect((err as QueueFullError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    g.open();
    await first;
    expect(await second).toBe("second");
  });

  it("drops a waiting job whose request is aborted, and frees its place", async () => {
    const queue = new RenderQueue({ concurrency: 1, maxQueued: 1 });
    const g = gate();
    const first = queue.run(g.job);
    const controller = new AbortController();
    let ran = false;
    const waiting = queue.run(async () => {
      ran = true;
    }, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(RenderAbortedError);
    expect(queue.size.queued).toBe(0);
    const next = queue.run(async () => "next");
    g.open();
    await first;
    expect(await next).toBe("next");
    expect(ran).toBe(false);
  });

  it("keeps going after a job fails", async () => {
    const queue = new RenderQueue({ concurrency: 1, maxQueued: 2 });
    const failing = queue.run(async () => {
      throw new Error("boom");
    });
    const after = queue.run(async () => "ok");
    await expect(failing).rejects.toThrow("boom");
    expect(await after).toBe("ok");
    expect(queue.size).toEqual({ running: 0, queued: 0 });
  });
});
