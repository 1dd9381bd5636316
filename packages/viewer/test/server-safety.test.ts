import { copyFile, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "@siren-onnx/core";
import { type ModelListing, startServer } from "@siren-onnx/viewer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeModels, tempDir } from "./fixtures.ts";
import { json, listenApp, rawRequest } from "./http-helpers.ts";

const SECRET = "TOP-SECRET-CONTENT";
let root: string;
let models: string;
let server: Awaited<ReturnType<typeof listenApp>>;

beforeAll(async () => {
  root = await tempDir();
  models = join(root, "models");
  const outside = join(root, "outside");
  await makeModels(models, [{ name: "siren", kind: "sine" }]);
  await mkdir(outside);
  await writeFile(join(outside, "secret.txt"), SECRET);
  await writeFile(join(root, "secret.onnx"), SECRET);
  // A valid model outside the directory, reachable only through symlinks.
  await copyFile(join(models, "siren.onnx"), join(outside, "stolen.onnx"));
  await symlink(join(outside, "stolen.onnx"), join(models, "evil.onnx"));
  await symlink("../secret.onnx", join(models, "relative.onnx"));
  await symlink(outside, join(models, "linked-dir"));
  await symlink("siren.onnx", join(models, "alias.onnx")); // inside: allowed
  server = await listenApp({ modelsDir: models, clientDir: join(root, "no-build") });
});

afterAll(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

describe("path traversal", () => {
  const probes = [
    "/models/../secret.onnx",
    "/models/..%2fsecret.onnx",
    "/models/%2e%2e%2fsecret.onnx",
    "/models/%2e%2e/secret.onnx",
    "/models/..%5csecret.onnx",
    "/models/%252e%252e%252fsecret.onnx",
    "/models/evil.onnx",
    "/models/relative.onnx",
    "/models/linked-dir/secret.txt",
    "/models/linked-dir%2fsecret.txt",
    "/models/%2Fetc%2Fpasswd",
    "/models//etc/passwd",
    "/models/.siren.onnx",
    "/models/siren.onnx%00.txt",
    "/ort/..%2f..%2fpackage.json",
    "/ort/%2e%2e%2fort.min.mjs",
    "/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2f..%2fetc%2fpasswd",
    "/assets/..%2f..%2fpackage.json",
    "//etc/passwd",
    "/.build-hash",
  ];

  it.each(probes)("GET %s -> 404 and nothing from outside", async (path) => {
    const response = await rawRequest(server.port, path);
    expect(response.status).toBe(404);
    expect(response.body.toString("latin1")).not.toContain(SECRET);
    expect(response.body.toString("latin1")).not.toContain("root:");
  });

  it("GET of absolute paths -> 404", async () => {
    const secret = join(root, "secret.onnx");
    for (const path of [
      secret,
      `/models/${secret}`,
      `/models/${encodeURIComponent(secret)}`,
      `/ort/${encodeURIComponent(secret)}`,
    ]) {
      const response = await rawRequest(server.port, path);
      expect(response.status).toBe(404);
      expect(response.body.toString("latin1")).not.toContain(SECRET);
    }
  });

  it("lists only the files inside the directory, and says why the others are skipped", async () => {
    const listing = json(await rawRequest(server.port, "/api/models")) as unknown as ModelListing;
    expect(listing.models.map((m) => m.name).sort()).toEqual(["alias", "siren"]);
    const skipped = Object.fromEntries(listing.skipped.map((s) => [s.file, s.reason]));
    expect(skipped["evil.onnx"]).toMatch(/outside the models directory/);
    expect(skipped["relative.onnx"]).toMatch(/outside the models directory/);
  });

  it("does not render a model reached through a symlink out of the directory", async () => {
    const response = await rawRequest(server.port, "/api/render?model=evil&width=8&height=8");
    expect(response.status).toBe(404);
  });

  it("refuses a served file swapped for an outside symlink after the scan", async () => {
    await rawRequest(server.port, "/api/models"); // scanned while alias.onnx points inside
    server.registry.close(); // no watcher: only the request-time check can notice
    await rm(join(models, "alias.onnx"));
    await symlink(join(root, "outside", "stolen.onnx"), join(models, "alias.onnx"));
    const response = await rawRequest(server.port, "/models/alias.onnx");
    expect(response.status).toBe(404);
  });
});

describe("startServer", () => {
  it("explains what to do when the models directory is missing", async () => {
    const start = startServer({ modelsDir: join(root, "missing"), port: 0, host: "127.0.0.1", build: false });
    await expect(start).rejects.toThrow(UserError);
    await expect(start).rejects.toThrow(/does not exist: create the sample models with `pnpm models:sample`/);
  });

  it("starts on an empty directory, says how to add models, and binds to loopback", async () => {
    const empty = join(root, "empty");
    await mkdir(empty);
    const lines: string[] = [];
    const running = await startServer({
      modelsDir: empty,
      port: 0,
      host: "127.0.0.1",
      build: false,
      log: (l) => lines.push(l),
    });
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(lines.join("\n")).toMatch(/no models in .*empty yet: create the sample models/);
      const port = Number(new URL(running.url).port);
      const listing = json(await rawRequest(port, "/api/models")) as unknown as ModelListing;
      expect(listing.models).toEqual([]);
      // A loopback server only answers to loopback host names (DNS rebinding).
      const rebound = await rawRequest(port, "/api/models", { headers: { Host: `attacker.example:${port}` } });
      expect(rebound.status).toBe(403);
    } finally {
      await running.close();
    }
  });

  it("reports a port in use as one line", async () => {
    const start = startServer({
      modelsDir: models,
      port: server.port,
      host: "127.0.0.1",
      build: false,
      log: () => {},
    });
    await expect(start).rejects.toThrow(/port \d+ on 127\.0\.0\.1 is in use/);
  });
});
