/**
 * `pnpm bench --only trig`: native ONNX Sin/Cos against onnx-graph's lowerTrig (range reduction and
 * polynomials from Mul/Add/Sub/Round/Abs/Sign), measured in the same process, interleaved so
 * that load from other processes hits both alike:
 *   - onnxruntime-node renders of the exported reference SIREN (image-only and derivative
 *     models) at 512² and 1024² (--trig-sizes 512,1024);
 *   - one onnxruntime-node training step (fit, batch 16384) with and without lowering;
 *   - onnxruntime-web's wasm backend, run in Node, on one 4096-point tile (the browser's path).
 * Wall time is the median of the runs; "cpu" is this process's user + system time, which a busy
 * machine inflates less than wall time.
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSpec, initParams, regionGrid, SeededRandom, TARGET_NAMES, TRAINING_DOMAIN } from "@siren-onnx/core";
import { exportModelBytes, type TrigMode } from "@siren-onnx/exporter";
import { graphToOnnx, lowerTrig } from "@siren-onnx/onnx-graph";
import { loadRenderModel, renderValues } from "@siren-onnx/renderer";
import { sessionOptions } from "@siren-onnx/sessions";
import {
  ADAM_M,
  ADAM_V,
  buildTrainingStepGraph,
  DEFAULT_ADAM,
  parameterNames,
  STEP_SIZE,
  V_SCALE,
} from "@siren-onnx/trainer";
import * as ort from "onnxruntime-node";
import { referenceCheckpoint } from "./support.ts";

const MODES: TrigMode[] = ["native", "polynomial"];

interface Timing {
  wall: number[];
  cpu: number[];
}

async function timed(t: Timing, fn: () => Promise<unknown>): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  t.wall.push(performance.now() - t0);
  const cpu = process.cpuUsage(cpu0);
  t.cpu.push((cpu.user + cpu.system) / 1000);
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

function report(label: string, timings: Record<TrigMode, Timing>): void {
  const [n, p] = [timings.native, timings.polynomial];
  const cell = (t: Timing) =>
    `${median(t.wall).toFixed(0).padStart(7)} ms (cpu ${median(t.cpu).toFixed(0).padStart(6)})`;
  console.log(
    `trig: ${label.padEnd(30)} native ${cell(n)}   polynomial ${cell(p)}   polynomial/native ${(median(p.wall) / median(n.wall)).toFixed(2)}`,
  );
}

/** Interleaves `runs` rounds of fn(mode) over both modes. */
async function compare(label: string, runs: number, fn: (mode: TrigMode) => Promise<unknown>): Promise<void> {
  const timings = { native: { wall: [], cpu: [] }, polynomial: { wall: [], cpu: [] } } as Record<TrigMode, Timing>;
  for (let r = 0; r < runs; r++) for (const mode of MODES) await timed(timings[mode], () => fn(mode));
  report(label, timings);
}

async function benchRenders(sizes: number[]): Promise<void> {
  const ckpt = referenceCheckpoint();
  const dir = await mkdtemp(join(tmpdir(), "siren-bench-trig-"));
  try {
    for (const derivatives of [false, true]) {
      const models = {} as Record<TrigMode, Awaited<ReturnType<typeof loadRenderModel>>>;
      for (const trig of MODES) {
        const path = join(dir, `${derivatives ? "deriv" : "image"}-${trig}.onnx`);
        await writeFile(path, exportModelBytes(ckpt, { derivatives, trig }));
        models[trig] = await loadRenderModel(path);
      }
      const output = derivatives ? "laplacian" : "image";
      try {
        for (const trig of MODES)
          await renderValues(models[trig], { region: TRAINING_DOMAIN, output, width: 128, height: 128 });
        for (const size of sizes) {
          await compare(`render ${derivatives ? "deriv" : "image"} ${size}²`, size > 512 ? 2 : 3, (trig) =>
            renderValues(models[trig], { region: TRAINING_DOMAIN, output, width: size, height: size }),
          );
        }
        // The polynomial's ~20 element-wise passes stream from memory at the default tile
        // (16384 points: 16 MB per [points, 256] tensor); smaller tiles keep them in cache.
        await compare(`render ${derivatives ? "deriv" : "image"} 512², tile 2048`, 3, (trig) =>
          renderValues(models[trig], { region: TRAINING_DOMAIN, output, width: 512, height: 512, tilePoints: 2048 }),
        );
      } finally {
        for (const m of Object.values(models)) await m.dispose();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function benchTrainingStep(batch: number): Promise<void> {
  const spec = createSpec("sine");
  const tensor = (d: Float32Array, dims: number[]) => new ort.Tensor("float32", d, dims);
  const rng = new SeededRandom(3);
  const feeds: Record<string, ort.Tensor> = {
    coords: tensor(regionGrid(256, 256).slice(0, 2 * batch), [batch, 2]),
    [STEP_SIZE]: tensor(new Float32Array([1e-3]), []),
    [V_SCALE]: tensor(new Float32Array([1]), []),
  };
  for (const name of TARGET_NAMES.value)
    feeds[`target.${name}`] = tensor(
      new Float32Array(batch).map(() => rng.uniform(-1, 1)),
      [batch, 1],
    );
  initParams(spec, 0).forEach((l, i) => {
    feeds[`layers.${i}.weight`] = tensor(l.weight.slice(), [l.out, l.in]);
    feeds[`layers.${i}.bias`] = tensor(l.bias.slice(), [l.out]);
  });
  for (const name of parameterNames(spec)) {
    const p = feeds[name];
    feeds[ADAM_M(name)] = tensor(new Float32Array(p.size), [...p.dims]);
    feeds[ADAM_V(name)] = tensor(new Float32Array(p.size), [...p.dims]);
  }
  const sessions = {} as Record<TrigMode, ort.InferenceSession>;
  for (const trig of MODES) {
    const graph = buildTrainingStepGraph(spec, "value", batch, DEFAULT_ADAM);
    sessions[trig] = await ort.InferenceSession.create(
      graphToOnnx(trig === "native" ? graph : lowerTrig(graph)),
      sessionOptions("cpu"),
    );
  }
  try {
    for (const trig of MODES) await sessions[trig].run(feeds);
    await compare(`train step, fit, batch ${batch}`, 5, (trig) => sessions[trig].run(feeds));
  } finally {
    for (const s of Object.values(sessions)) await s.release();
  }
}

/** onnxruntime-web is the viewer's dependency; its wasm backend also runs in Node. */
async function benchWeb(points: number): Promise<void> {
  const require = createRequire(new URL("../packages/viewer/package.json", import.meta.url));
  const web = (await import(require.resolve("onnxruntime-web"))) as typeof import("onnxruntime-web");
  web.env.wasm.numThreads = 1;
  const ckpt = referenceCheckpoint();
  const rng = new SeededRandom(5);
  const coords = new Float32Array(2 * points).map(() => rng.uniform(-1, 1));
  for (const derivatives of [false, true]) {
    const sessions = {} as Record<TrigMode, import("onnxruntime-web").InferenceSession>;
    for (const trig of MODES)
      sessions[trig] = await web.InferenceSession.create(exportModelBytes(ckpt, { derivatives, trig }), {
        executionProviders: ["wasm"],
      });
    const run = (trig: TrigMode) => sessions[trig].run({ coords: new web.Tensor("float32", coords, [points, 2]) });
    for (const trig of MODES) await run(trig);
    await compare(`web wasm ${derivatives ? "deriv" : "image"} ${points} points`, 5, run);
    for (const s of Object.values(sessions)) await s.release();
  }
}

export async function benchTrig(options: { sizes?: number[] } = {}): Promise<void> {
  console.log("\n## sin/cos: native ONNX Sin/Cos vs lowerTrig polynomials (reference SIREN 2->4x256->1)");
  await benchRenders(options.sizes ?? [512, 1024]);
  await benchTrainingStep(16384);
  await benchWeb(4096);
}
