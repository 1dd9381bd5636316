import type { ModelEntry } from "../shared/model-entry.ts";
import { BrowserRenderer } from "./browser-renderer.ts";
import type { Renderer } from "./renderer.ts";
import { ServerRenderer } from "./server-renderer.ts";
import type { Backend } from "./url-state.ts";

/** Whether the page was served by `siren serve` with its render API (a static copy has none). */
async function serverRenders(model: ModelEntry, server: ServerRenderer): Promise<number | undefined> {
  try {
    return await server.probe(model);
  } catch {
    return undefined;
  }
}

/**
 * The renderer for a backend choice. "auto" measures the browser path and the server on the
 * same small probe of the first model and keeps the faster; without a server, the browser.
 */
export async function chooseRenderer(
  backend: Backend,
  model: ModelEntry,
): Promise<{ renderer: Renderer; reason: string }> {
  if (backend === "server") return { renderer: new ServerRenderer(), reason: "" };
  const browser = await BrowserRenderer.create(backend);
  if (backend !== "auto") return { renderer: browser, reason: "" };
  const server = new ServerRenderer();
  const serverMs = await serverRenders(model, server);
  if (serverMs === undefined) return { renderer: browser, reason: "auto: no server render API" };
  const browserMs = await browser.probe(model);
  const probe = `auto, probe: server ${serverMs.toFixed(0)} ms, ${browser.backend} ${browserMs.toFixed(0)} ms`;
  if (serverMs < browserMs) {
    browser.dispose();
    return { renderer: server, reason: probe };
  }
  server.dispose();
  return { renderer: browser, reason: probe };
}
