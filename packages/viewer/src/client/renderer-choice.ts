import type { ModelEntry } from "../shared/model-entry.ts";
import { BrowserRenderer } from "./browser-renderer.ts";
import { type ProbeResult, predictFrameMs, type Renderer } from "./renderer.ts";
import { ServerRenderer } from "./server-renderer.ts";
import type { Backend } from "./url-state.ts";

/** The server's costs, or undefined when the page has no server render API (a static copy). */
async function serverRenders(model: ModelEntry, server: ServerRenderer): Promise<ProbeResult | undefined> {
  try {
    return await server.probe(model);
  } catch {
    return undefined;
  }
}

/**
 * The renderer for a backend choice. "auto" measures the browser path and the server on the
 * same small probes of the first model (two sizes: a request's fixed cost and the cost per
 * point), predicts a frame of `framePoints` on each and keeps the faster; without a server,
 * the browser.
 */
export async function chooseRenderer(
  backend: Backend,
  model: ModelEntry,
  framePoints: number,
): Promise<{ renderer: Renderer; reason: string }> {
  // A model trained in the page exists only here: the server cannot render it.
  if (model.local) {
    const browser = await BrowserRenderer.create(backend === "server" ? "auto" : backend);
    return { renderer: browser, reason: backend === "server" ? "trained in the page: rendered in the browser" : "" };
  }
  if (backend === "server") return { renderer: new ServerRenderer(), reason: "" };
  const browser = await BrowserRenderer.create(backend);
  if (backend !== "auto") return { renderer: browser, reason: "" };
  const server = new ServerRenderer();
  const serverCost = await serverRenders(model, server);
  if (serverCost === undefined) return { renderer: browser, reason: "auto: no server render API" };
  const browserCost = await browser.probe(model);
  // The server answers one request per level (3); the worker's per-call cost is within its tiles.
  const serverMs = predictFrameMs(serverCost, framePoints, 3);
  const browserMs = predictFrameMs(browserCost, framePoints, 0);
  const probe = `auto, predicted frame: server ${serverMs.toFixed(0)} ms, ${browser.backend} ${browserMs.toFixed(0)} ms`;
  if (serverMs < browserMs) {
    browser.dispose();
    return { renderer: server, reason: probe };
  }
  server.dispose();
  return { renderer: browser, reason: probe };
}
