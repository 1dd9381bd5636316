import { STATUS_CODES } from "node:http";
import type { Device } from "@siren-onnx/sessions";
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import { CLIENT_DIST } from "./client-build.ts";
import { HttpError, sendError } from "./http-errors.ts";
import { ModelRegistry } from "./model-registry.ts";
import { MODEL_VARIANTS, type ModelVariant, ModelVariantCache } from "./model-variants.ts";
import { RenderModelCache } from "./render-models.ts";
import { RenderQueue, type RenderQueueOptions } from "./render-queue.ts";
import { MAX_SERVER_RENDER_PIXELS, renderRoute } from "./render-route.ts";
import { ClientFiles, onnxRuntimeWebFiles, sendWhitelisted } from "./static-files.ts";

export interface AppOptions {
  /** Folder of exported models (`<name>.onnx`, `<name>.deriv.onnx`). */
  modelsDir: string;
  /** The built viewer page (default packages/viewer/dist; see ensureClientBuilt). */
  clientDir?: string;
  /** Render queue bounds (default: one render at a time, 8 waiting). */
  queue?: RenderQueueOptions;
  maxRenderPixels?: number;
  /** Re-read the models directory when it changes (default true). */
  watch?: boolean;
  /** Host names accepted in the Host header (guards a loopback server against DNS rebinding). */
  allowedHosts?: string[];
  log?: (line: string) => void;
  /** Where /api/render runs onnxruntime (default the CPU; resolve --device with resolveDevice). */
  device?: Device;
}

export interface ViewerApp {
  app: Express;
  registry: ModelRegistry;
  queue: RenderQueue;
  /** Stops watching the directory and releases the loaded models. */
  close(): Promise<void>;
}

/** Cross-origin isolation lets onnxruntime-web use threads (SharedArrayBuffer). */
function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
  res.setHeader("X-Content-Type-Options", "nosniff");
  next();
}

function hostGuard(allowed: string[]) {
  const names = new Set(allowed.map((h) => h.toLowerCase()));
  return (req: Request, res: Response, next: NextFunction) => {
    const host = (req.headers.host ?? "").toLowerCase().replace(/:\d+$/, "");
    if (names.has(host)) return next();
    res
      .status(403)
      .json({ error: `host ${host || "(none)"} is not allowed (the server answers to ${allowed.join(", ")})` });
  };
}

/**
 * The viewer server: the page, onnxruntime-web's runtime, the models and PNG renders.
 * Files are only ever sent from whitelists (the scanned models directory, the built page,
 * onnxruntime-web's runtime files), so request paths never reach the file system.
 */
export function createApp(options: AppOptions): ViewerApp {
  const log = options.log ?? ((line: string) => console.error(line));
  const registry = new ModelRegistry(options.modelsDir, { watch: options.watch });
  const queue = new RenderQueue(options.queue);
  const models = new RenderModelCache(8, { device: options.device });
  const client = new ClientFiles(options.clientDir ?? CLIENT_DIST);
  const runtime = onnxRuntimeWebFiles();
  const variants = new ModelVariantCache();
  const app = express();
  app.disable("x-powered-by");
  app.use(securityHeaders);
  if (options.allowedHosts) app.use(hostGuard(options.allowedHosts));

  app.get("/api/models", async (_req, res) => {
    res.setHeader("Cache-Control", "no-cache");
    res.json(await registry.list());
  });
  app.post("/api/models/reload", async (_req, res) => {
    res.json(await registry.reload());
  });
  app.get(
    "/api/render",
    renderRoute(registry, queue, models, { maxPixels: options.maxRenderPixels ?? MAX_SERVER_RENDER_PIXELS, log }),
  );
  app.get("/models/:file", async (req, res) => {
    const served = await registry.resolveFile(req.params.file);
    if (!served) throw new HttpError(404, "no such model file (GET /api/models lists them)");
    const trig = req.query.trig;
    if (trig !== undefined) {
      if (!(MODEL_VARIANTS as readonly unknown[]).includes(trig)) {
        throw new HttpError(400, `trig must be one of ${MODEL_VARIANTS.join(", ")}`);
      }
      const bytes = await variants.get(served.path, served.version, trig as ModelVariant);
      res.set({
        "Content-Type": "application/octet-stream",
        ETag: `"${served.version}-${trig}"`,
        "Cache-Control": "public, no-cache",
      });
      if (req.fresh) {
        res.status(304).end();
        return;
      }
      res.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return;
    }
    // Revalidated on every use (ETag / Last-Modified): a model may be re-exported under the same name.
    await sendWhitelisted(res, served.path, "public, no-cache");
  });
  app.get("/ort/:file", async (req, res) => {
    const path = runtime.get(req.params.file);
    if (!path) throw new HttpError(404, "not an onnxruntime-web runtime file");
    await sendWhitelisted(res, path, "public, max-age=86400");
  });
  app.get("/{*path}", async (req, res) => {
    const path = client.lookup(req.path);
    if (!path) {
      if (req.path === "/") throw new HttpError(503, "the viewer page is not built: run `pnpm build:viewer`");
      throw new HttpError(404, "not found");
    }
    // Vite names bundled assets by content hash: they never change under the same name.
    const immutable = req.path.startsWith("/assets/");
    await sendWhitelisted(res, path, immutable ? "public, max-age=31536000, immutable" : "no-cache");
  });
  app.use((_req: Request, _res: Response, next: NextFunction) => next(new HttpError(404, "not found")));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    // Errors of express itself (malformed percent-encoding, a file gone while sent) carry a status.
    const status = (err as { status?: number }).status;
    const known = status && !(err instanceof HttpError) && status < 500;
    sendError(res, known ? new HttpError(status, (STATUS_CODES[status] ?? "error").toLowerCase()) : err, log);
  });

  return {
    app,
    registry,
    queue,
    close: async () => {
      registry.close();
      await models.close();
    },
  };
}
