import { DERIVATIVE_MODEL_SUFFIX, modelFileFor } from "@siren-onnx/core";
import { defaultRenderSize, RAW_SOURCES, renderPng, renderSources, validateRenderRequest } from "@siren-onnx/renderer";
import type { Request, RequestHandler, Response } from "express";
import { HttpError, sendError } from "./http-errors.ts";
import type { ModelRegistry } from "./model-registry.ts";
import type { RenderModelCache } from "./render-models.ts";
import { RenderAbortedError, type RenderQueue } from "./render-queue.ts";

/** The server's render cap: 16 megapixels (4096 x 4096), a few seconds to minutes of CPU. */
export const MAX_SERVER_RENDER_PIXELS = 16 * 2 ** 20;

const PARAMETERS = ["model", "output", "width", "height", "region", "format"];

/** One query parameter as a string; repeated or nested parameters are malformed. */
function queryParameter(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined || typeof value === "string") return value;
  throw new HttpError(400, `parameter ${name} is given more than once or malformed`);
}

/** Header values must be ASCII; the normalisation text has a few symbols. */
const asciiHeader = (text: string) => text.replaceAll("±", "+-").replace(/[^\x20-\x7e]/g, "?");

/**
 * GET /api/render?model=&output=&width=&height=&region=[&format=png|raw] : a PNG through the
 * renderer's renderPng (the code of `siren render`), or with format=raw the float32 outputs of
 * one run (image; for a derivative output image, gradient and laplacian, concatenated in that
 * order, named by X-Siren-Sources), one bounded queue for all requests.
 */
export function renderRoute(
  registry: ModelRegistry,
  queue: RenderQueue,
  models: RenderModelCache,
  options: { maxPixels: number; log: (line: string) => void },
): RequestHandler {
  return async (req: Request, res: Response) => {
    try {
      const unknown = Object.keys(req.query).filter((k) => !PARAMETERS.includes(k));
      if (unknown.length > 0) {
        throw new HttpError(400, `unknown parameter ${unknown.join(", ")} (expected ${PARAMETERS.join(", ")})`);
      }
      const name = queryParameter(req, "model");
      if (!name) throw new HttpError(400, "parameter model is missing (the names are listed by GET /api/models)");
      const entry = await registry.find(name);
      if (!entry) throw new HttpError(404, `unknown model "${name}" (the names are listed by GET /api/models)`);
      // Missing sizes default as in `siren render`: the training size, or its aspect when one side is given.
      const size = defaultRenderSize(entry.metadata, queryParameter(req, "width"), queryParameter(req, "height"));
      const request = validateRenderRequest(
        {
          ...size,
          region: queryParameter(req, "region"),
          output: queryParameter(req, "output"),
        },
        { maxPixels: options.maxPixels },
      );
      const format = queryParameter(req, "format") ?? "png";
      if (format !== "png" && format !== "raw") throw new HttpError(400, `format "${format}": expected png or raw`);
      const file = modelFileFor(entry.files, request.output);
      if (!file) {
        throw new HttpError(
          400,
          `model "${name}" has no derivative file (${name}${DERIVATIVE_MODEL_SUFFIX}) for output ${request.output}`,
        );
      }
      const served = await registry.resolveFile(file);
      if (!served) throw new HttpError(404, `model file ${file} is gone (the directory changed)`);
      const aborted = new AbortController();
      res.on("close", () => {
        if (!res.writableFinished) aborted.abort();
      });
      const started = performance.now();
      // Called between tiles: stops a long render whose client has gone.
      const onProgress = () => {
        if (aborted.signal.aborted) throw new RenderAbortedError();
      };
      if (format === "raw") {
        const sources = request.output === "image" ? (["image"] as const) : RAW_SOURCES;
        const raw = await queue.run(
          () =>
            models.use(served.path, served.version, (model) =>
              renderSources(model, { ...request, sources, onProgress }),
            ),
          aborted.signal,
        );
        const parts = sources.map((s) => raw.sources[s]!);
        const body = Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
        res.set({
          "Content-Type": "application/octet-stream",
          "Cache-Control": "no-store",
          "X-Siren-Sources": sources.join(","),
          "X-Siren-Channels": String(raw.channels),
          "X-Siren-Render-Ms": (performance.now() - started).toFixed(0),
        });
        res.send(body);
        return;
      }
      const picture = await queue.run(
        () =>
          models.use(served.path, served.version, (model) =>
            renderPng(model, {
              ...request,
              onProgress,
            }),
          ),
        aborted.signal,
      );
      res.set({
        "Content-Type": "image/png",
        "Cache-Control": "no-store",
        "X-Siren-Normalisation": asciiHeader(picture.normalisation),
        "X-Siren-Render-Ms": (performance.now() - started).toFixed(0),
      });
      res.send(picture.png);
    } catch (err) {
      sendError(res, err, options.log);
    }
  };
}
