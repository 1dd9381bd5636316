import { stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { UserError } from "@siren-onnx/core";
import { type AppOptions, createApp, type ViewerApp } from "./app.ts";
import { ensureClientBuilt } from "./client-build.ts";

export interface ServeOptions extends Omit<AppOptions, "allowedHosts"> {
  port: number;
  host: string;
  /** Build the viewer page when missing or stale (default true). */
  build?: boolean;
}

export interface RunningServer {
  url: string;
  viewer: ViewerApp;
  close(): Promise<void>;
}

const LOOPBACK = ["localhost", "127.0.0.1", "::1", "[::1]"];

/** What to do about a missing or empty models directory. */
export function modelsAdvice(dir: string): string {
  return (
    `create the sample models with \`pnpm models:sample\`, export a training run with ` +
    `\`pnpm siren export <run dir> --out ${dir}/<name>\`, or pass --models <folder of .onnx files>`
  );
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE") {
        reject(new UserError(`port ${port} on ${host} is in use (choose another with --port, or --port 0 for any)`));
      } else if (err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND") {
        reject(new UserError(`cannot listen on host ${host} (${err.code}): use an address of this machine`));
      } else if (err.code === "EACCES") {
        reject(new UserError(`no permission to listen on port ${port} (use a port above 1023)`));
      } else reject(err);
    });
    server.listen(port, host, () => resolve());
  });
}

/**
 * `siren serve`: checks the models directory, builds the page if needed, listens (127.0.0.1
 * unless told otherwise) and reports what it serves.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => console.error(line));
  const info = await stat(options.modelsDir).catch(() => undefined);
  if (!info)
    throw new UserError(`models directory ${options.modelsDir} does not exist: ${modelsAdvice(options.modelsDir)}`);
  if (!info.isDirectory()) throw new UserError(`--models ${options.modelsDir} is not a directory`);
  if (options.build !== false) await ensureClientBuilt({ dist: options.clientDir, log });

  const loopback = LOOPBACK.includes(options.host);
  const viewer = createApp({ ...options, log, allowedHosts: loopback ? LOOPBACK : undefined });
  const listing = await viewer.registry.list();
  for (const s of listing.skipped) log(`skipped ${s.file}: ${s.reason}`);
  if (listing.models.length === 0) {
    log(
      `no models in ${options.modelsDir} yet: ${modelsAdvice(options.modelsDir)}; the server picks them up when they appear`,
    );
  } else {
    log(
      `serving ${listing.models.length} model(s) from ${options.modelsDir}: ${listing.models.map((m) => m.name).join(", ")}`,
    );
  }
  const server = createServer(viewer.app);
  try {
    await listen(server, options.port, options.host);
  } catch (err) {
    await viewer.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const shownHost = options.host === "0.0.0.0" || options.host === "::" ? "localhost" : options.host;
  const url = `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${port}/`;
  return {
    url,
    viewer,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await viewer.close();
    },
  };
}
