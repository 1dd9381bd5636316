import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { type AppOptions, createApp, type ViewerApp } from "@siren-onnx/viewer";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** An HTTP request with the path sent exactly as given (fetch would normalise "../"). */
export function rawRequest(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: options.headers });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

export function json(response: RawResponse): { error?: string } & Record<string, unknown> {
  return JSON.parse(response.body.toString("utf8"));
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.subarray(1, 4).toString("latin1") !== "PNG") throw new Error("not a PNG");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** createApp listening on an ephemeral port of 127.0.0.1. */
export async function listenApp(options: AppOptions): Promise<ViewerApp & { port: number; stop(): Promise<void> }> {
  const viewer = createApp({ log: () => {}, ...options });
  const server = viewer.app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return {
    ...viewer,
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await viewer.close();
    },
  };
}
