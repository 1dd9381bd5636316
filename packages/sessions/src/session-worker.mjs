// @ts-check
/**
 * The worker thread behind worker-sessions.ts: onnxruntime-node CPU sessions, created from the
 * models and options it is sent, that run float32 feeds as they arrive (the messages are
 * WorkerRequest and WorkerReply there). Plain JavaScript that imports only onnxruntime-node, so a
 * worker starts the same under tsx, vitest or plain node, with no TypeScript loader to find.
 */
import { parentPort } from "node:worker_threads";
import * as ort from "onnxruntime-node";

/** @type {Map<number, ort.InferenceSession>} */
const sessions = new Map();

/** @param {any} request */
async function handle(request) {
  if (request.kind === "create") {
    sessions.set(request.id, await ort.InferenceSession.create(request.model, request.options));
    return { reply: { ok: true }, transfer: [] };
  }
  const session = sessions.get(request.id);
  if (!session) throw new Error(`no session ${request.id} in this worker`);
  if (request.kind === "release") {
    sessions.delete(request.id);
    await session.release();
    return { reply: { ok: true }, transfer: [] };
  }
  /** @type {Record<string, ort.Tensor>} */
  const feeds = {};
  for (const [name, t] of Object.entries(request.feeds)) feeds[name] = new ort.Tensor("float32", t.data, t.dims);
  const results = request.fetches ? await session.run(feeds, request.fetches) : await session.run(feeds);
  /** @type {Record<string, { data: Float32Array; dims: readonly number[] }>} */
  const outputs = {};
  const transfer = new Set();
  for (const [name, t] of Object.entries(results)) {
    const data = /** @type {Float32Array} */ (t.data);
    outputs[name] = { data, dims: t.dims };
    // Output buffers are the worker's own: hand them over instead of copying.
    transfer.add(data.buffer);
  }
  return { reply: { ok: true, outputs }, transfer: [...transfer] };
}

// Requests are handled one at a time, in order: the sender waits for each reply.
parentPort?.on("message", (request) => {
  handle(request).then(
    ({ reply, transfer }) => parentPort?.postMessage(reply, transfer),
    (err) => parentPort?.postMessage({ ok: false, error: String(err?.message ?? err) }),
  );
});
