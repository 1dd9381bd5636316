/**
 * The GPU check: training-step and render speed of onnxruntime on the CPU, WebGPU and CUDA,
 * with parity against the CPU. bench/pack-gpu-check.sh bundles it for bench/gpu-check.sh (a GPU
 * machine without Node); here it runs as `pnpm bench:gpu [options]`.
 *
 *   gpu-check devices                  the `siren devices` listing and smoke runs
 *   gpu-check bench [--preset reference|small] [--devices cpu,webgpu,cuda] [--json FILE]
 *
 * `reference` is the README's SIREN 2->4x256->1 at 256² (batch 16,384 and full 65,536; renders
 * at 512²); `small` (2->2x64->1 at 64²) is for a software adapter, where the reference takes
 * minutes per step. WebGPU also runs three variants of the value step, to show what each choice
 * of the engine is worth: the weights and Adam moments through the CPU every step instead of
 * resident on the GPU; Round/Sign left to onnxruntime's CPU fallback instead of rewritten; the
 * native Sin/Cos (about 2e-4 accurate) instead of lowerTrig.
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Checkpoint,
  createSpec,
  initParams,
  type ModelSpec,
  regionGrid,
  type Supervision,
  TARGET_NAMES,
} from "@siren-onnx/core";
import { exportModelBytes } from "@siren-onnx/exporter";
import { type Graph, graphToOnnx, lowerTrig, webgpuCompatibleModel } from "@siren-onnx/onnx-graph";
import { RenderModel, renderValues } from "@siren-onnx/renderer";
import { type Device, parseDeviceName, resolveDevice, sessionOptions } from "@siren-onnx/sessions";
import {
  ADAM_M,
  ADAM_V,
  buildTrainingStepGraph,
  createOnnxEngine,
  DEFAULT_ADAM,
  NEXT,
  parameterNames,
  STEP_SIZE,
  V_SCALE,
} from "@siren-onnx/trainer";
import * as ort from "onnxruntime-node";
import { listDevices } from "../packages/cli/src/commands/devices.ts";

interface Preset {
  width: number;
  hiddenLayers: number;
  side: number;
  batches: number[];
  renderSide: number;
  runs: number;
  warmup: number;
}

const PRESETS: Record<string, Preset> = {
  reference: { width: 256, hiddenLayers: 3, side: 256, batches: [16_384, 65_536], renderSide: 512, runs: 5, warmup: 2 },
  small: { width: 64, hiddenLayers: 2, side: 64, batches: [1024, 4096], renderSide: 128, runs: 3, warmup: 1 },
};

interface Row {
  device: string;
  adapter: string;
  workload: string;
  ms: number;
  firstMs?: number;
  note?: string;
}

async function median(
  fn: () => Promise<unknown>,
  runs: number,
  warmup: number,
): Promise<{ ms: number; first: number }> {
  let first = 0;
  for (let i = 0; i < warmup; i++) {
    const t0 = performance.now();
    await fn();
    if (i === 0) first = performance.now() - t0;
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], first };
}

function batchData(spec: ModelSpec, side: number, batch: number, supervision: Supervision) {
  const grid = regionGrid(side, side);
  const coords = grid.subarray(0, 2 * batch);
  const targets: Record<string, Float32Array> = {};
  for (const name of TARGET_NAMES[supervision]) {
    targets[name] = Float32Array.from({ length: batch * spec.outputs }, (_, i) => 0.5 * Math.sin(3 * coords[2 * i]));
  }
  return { coords, targets };
}

/** ms per step of the engine (and the losses of its first steps, for parity). */
async function engineSteps(device: Device, spec: ModelSpec, p: Preset, batch: number, supervision: Supervision) {
  const engine = await createOnnxEngine({
    spec,
    params: initParams(spec, 0),
    supervision,
    batchSize: batch,
    adam: { ...DEFAULT_ADAM, lr: 1e-4 },
    device: device.kind,
  });
  try {
    const data = batchData(spec, p.side, batch, supervision);
    const losses: number[] = [];
    const time = await median(async () => losses.push(await engine.step(data)), p.runs, p.warmup);
    return { ...time, losses };
  } finally {
    await engine.dispose();
  }
}

/** The value step assembled by hand, to time the engine's choices one at a time (WebGPU). */
async function variantStep(
  device: Device,
  spec: ModelSpec,
  p: Preset,
  batch: number,
  v: { resident: boolean; rewrite: boolean; lower: boolean },
) {
  let graph: Graph = buildTrainingStepGraph(spec, "value", batch, DEFAULT_ADAM);
  if (v.lower) graph = lowerTrig(graph);
  const bytes = v.rewrite ? webgpuCompatibleModel(graphToOnnx(graph)) : graphToOnnx(graph);
  const names = parameterNames(spec);
  const stateNames = names.flatMap((n) => [n, ADAM_M(n), ADAM_V(n)]);
  const session = await ort.InferenceSession.create(
    bytes,
    sessionOptions(device, { deviceOutputs: v.resident ? stateNames.map(NEXT) : [] }),
  );
  let state: Record<string, ort.Tensor> = {};
  initParams(spec, 0).forEach((l, i) => {
    const put = (n: string, data: Float32Array, dims: number[]) => {
      state[n] = new ort.Tensor("float32", data, dims);
      state[ADAM_M(n)] = new ort.Tensor("float32", new Float32Array(data.length), dims);
      state[ADAM_V(n)] = new ort.Tensor("float32", new Float32Array(data.length), dims);
    };
    put(`layers.${i}.weight`, l.weight, [l.out, l.in]);
    put(`layers.${i}.bias`, l.bias, [l.out]);
  });
  const data = batchData(spec, p.side, batch, "value");
  const feeds = {
    coords: new ort.Tensor("float32", data.coords, [batch, 2]),
    "target.value": new ort.Tensor("float32", data.targets.value, [batch, 1]),
    [STEP_SIZE]: new ort.Tensor("float32", Float32Array.of(1e-4), []),
    [V_SCALE]: new ort.Tensor("float32", Float32Array.of(1), []),
  };
  try {
    return await median(
      async () => {
        const out = await session.run({ ...feeds, ...state });
        const previous = state;
        state = Object.fromEntries(stateNames.map((k) => [k, out[NEXT(k)]]));
        for (const t of Object.values(previous)) if (t.location === "gpu-buffer") t.dispose();
      },
      p.runs,
      p.warmup,
    );
  } finally {
    for (const t of Object.values(state)) if (t.location === "gpu-buffer") t.dispose();
    await session.release();
  }
}

async function renderTimes(device: Device, modelPath: string, p: Preset) {
  const model = await RenderModel.load(modelPath, { device });
  try {
    const rows: Array<{ output: string; ms: number; first: number; values: Float32Array }> = [];
    for (const output of ["image", "laplacian"] as const) {
      let values: Float32Array = new Float32Array(0);
      const request = { width: p.renderSide, height: p.renderSide, region: { x0: -1, y0: -1, x1: 1, y1: 1 }, output };
      const time = await median(
        async () => {
          values = await renderValues(model, request);
        },
        Math.min(p.runs, 3),
        1,
      );
      rows.push({ output, ...time, values });
    }
    return rows;
  } finally {
    await model.dispose();
  }
}

function maxRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

async function bench(opts: { preset: string; devices: string; json?: string }): Promise<void> {
  const p = PRESETS[opts.preset];
  if (!p) throw new Error(`--preset: expected ${Object.keys(PRESETS).join(" or ")}`);
  const spec = createSpec("sine", { width: p.width, hiddenLayers: p.hiddenLayers, outputs: 1 });
  const label = `SIREN 2->${p.hiddenLayers}x${p.width}->1, ${p.side}² grid`;
  console.log(`# gpu-check bench, preset ${opts.preset}: ${label}; median of ${p.runs} after ${p.warmup} warm-up`);
  const rows: Row[] = [];
  const record = (r: Row) => {
    rows.push(r);
    // Rewritten after every figure: a run stopped by a time limit keeps what it measured.
    if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ preset: opts.preset, label, rows }, null, 1)}\n`);
    const first = r.firstMs === undefined ? "" : ` (first ${r.firstMs.toFixed(0)} ms)`;
    console.log(
      `${r.device.padEnd(7)} ${r.workload.padEnd(44)} ${r.ms.toFixed(1).padStart(9)} ms${first}${r.note ? `  ${r.note}` : ""}`,
    );
  };
  // The preset's network at its initial weights, exported as `siren export` writes it, for the renders.
  const dir = mkdtempSync(join(tmpdir(), "siren-gpu-check-"));
  const modelPath = join(dir, "model.onnx");
  const ckpt: Checkpoint = {
    spec,
    params: initParams(spec, 0),
    training: {
      task: "fit",
      steps: 0,
      lr: 1e-4,
      batch: "full",
      seed: 0,
      loss: 0,
      psnr: 0,
      imageWidth: p.side,
      imageHeight: p.side,
      channels: 1,
      engine: "gpu-check",
      seconds: 0,
    },
  };
  writeFileSync(modelPath, exportModelBytes(ckpt, { derivatives: false }));
  writeFileSync(join(dir, "model.deriv.onnx"), exportModelBytes(ckpt, { derivatives: true }));

  const reference: Record<string, number[]> = {};
  const referenceRender: Record<string, Float32Array> = {};
  for (const name of opts.devices.split(",").map((d) => d.trim())) {
    let device: Device;
    try {
      device = await resolveDevice(parseDeviceName(name));
    } catch (err) {
      console.log(`${name.padEnd(7)} not available: ${(err as Error).message}`);
      continue;
    }
    const adapter = device.description;
    console.log(`## ${adapter}`);
    const work: Array<[Supervision, number]> = [
      ...p.batches.map((b) => ["value", b] as [Supervision, number]),
      ["gradient", p.batches[0]],
      ["laplacian", p.batches[0]],
    ];
    for (const [supervision, batch] of work) {
      const key = `${supervision} step, batch ${batch}`;
      try {
        const r = await engineSteps(device, spec, p, batch, supervision);
        let note: string | undefined;
        if (device.kind === "cpu") reference[key] = r.losses;
        else if (reference[key])
          note = `loss vs cpu: ${maxRelative(r.losses, reference[key]).toExponential(1)} relative`;
        record({ device: name, adapter, workload: key, ms: r.ms, firstMs: r.first, note });
      } catch (err) {
        console.log(`${name.padEnd(7)} ${key}: failed: ${(err as Error).message.split("\n")[0]}`);
      }
    }
    if (device.kind === "webgpu") {
      const batch = p.batches[0];
      const variants = [
        ["as the engine (by hand, for comparison)", { resident: true, rewrite: true, lower: true }],
        ["state through the CPU each step", { resident: false, rewrite: true, lower: true }],
        ["Round/Sign on onnxruntime's CPU fallback", { resident: true, rewrite: false, lower: true }],
        ["native Sin/Cos (no lowerTrig)", { resident: true, rewrite: true, lower: false }],
      ] as const;
      for (const [what, v] of variants) {
        try {
          const r = await variantStep(device, spec, p, batch, v);
          record({
            device: name,
            adapter,
            workload: `value step, batch ${batch}: ${what}`,
            ms: r.ms,
            firstMs: r.first,
          });
        } catch (err) {
          console.log(`${name.padEnd(7)} variant ${what}: failed: ${(err as Error).message.split("\n")[0]}`);
        }
      }
    }
    try {
      for (const r of await renderTimes(device, modelPath, p)) {
        const key = `render ${r.output} ${p.renderSide}²`;
        let note: string | undefined;
        if (device.kind === "cpu") referenceRender[key] = r.values;
        else if (referenceRender[key])
          note = `values vs cpu: ${maxRelative(r.values, referenceRender[key]).toExponential(1)} relative`;
        record({ device: name, adapter, workload: key, ms: r.ms, firstMs: r.first, note });
      }
    } catch (err) {
      console.log(`${name.padEnd(7)} render: failed: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/** `--name value` pairs after the command word. */
function flags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    if (!args[i].startsWith("--") || args[i + 1] === undefined) throw new Error(`unexpected argument ${args[i]}`);
    out[args[i].slice(2)] = args[i + 1];
  }
  return out;
}

try {
  const [command, ...rest] = process.argv.slice(2);
  const f = flags(rest);
  if (command === "devices") {
    if (!(await listDevices({ threads: f.threads ? Number(f.threads) : undefined }))) process.exitCode = 1;
  } else if (command === "bench") {
    await bench({ preset: f.preset ?? "reference", devices: f.devices ?? "cpu,webgpu,cuda", json: f.json });
  } else {
    throw new Error(
      "usage: gpu-check devices | bench [--preset reference|small] [--devices cpu,webgpu,cuda] [--json FILE]",
    );
  }
} catch (err) {
  console.error(`error: ${(err as Error).message.split("\n")[0]}`);
  process.exit(1);
}
