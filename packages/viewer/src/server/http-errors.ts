import { UserError } from "@siren-onnx/core";
import type { Response } from "express";
import { QueueFullError, RenderAbortedError } from "./render-queue.ts";

/** An error with its HTTP status; the message is the JSON error the client sees. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Every API error is `{"error": "<one line>"}`: bad input 400, unknown things 404, a full
 * render queue 503 with Retry-After. Anything else is a bug: 500, logged with its stack.
 */
export function sendError(res: Response, err: unknown, log: (line: string) => void): void {
  if (err instanceof RenderAbortedError) {
    res.destroy(); // the client went away: nobody reads the answer
    return;
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  let status = 500;
  if (err instanceof HttpError) status = err.status;
  else if (err instanceof UserError) status = 400;
  else if (err instanceof QueueFullError) {
    status = 503;
    res.setHeader("Retry-After", String(err.retryAfterSeconds));
  } else log(`internal error: ${(err as Error)?.stack ?? String(err)}`);
  const message = status === 500 ? `internal error: ${(err as Error)?.message ?? String(err)}` : (err as Error).message;
  res.status(status).json({ error: message.split("\n")[0] });
}
