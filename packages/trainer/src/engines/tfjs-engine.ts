import {
  forwardJet,
  type LayerTensors,
  layerShapes,
  type ModelParams,
  SUPERVISION_ORDER,
  supervisionLoss,
  TARGET_NAMES,
} from "@siren-onnx/core";
import * as tf from "@tensorflow/tfjs-core";
import type { EngineOptions, StepBatch, TrainingEngine } from "./engine.ts";
import { initTfjsBackend } from "./tfjs-backend.ts";
import { tfjsOps } from "./tfjs-ops.ts";

/** Rows per predict call: bounds the activations held at once. */
const PREDICT_TILE = 16_384;

/** The learning rate is a protected field of tfjs's Adam that applyGradients reads on every step. */
type AdamWithRate = tf.AdamOptimizer & { learningRate: number };

/**
 * The second engine: core's forwardJet and supervisionLoss interpreted by TensorFlow.js, with
 * gradients from tfjs's own autodiff and tfjs's Adam (same update as torch.optim.Adam). It is
 * slow on CPU (see MEASUREMENTS.md) but independent of onnx-graph's autodiff, which makes it
 * the reference the ONNX engine is tested against. Every call runs inside tf.tidy, so the
 * number of live tensors stays constant over any number of steps.
 */
export async function createTfjsEngine(options: EngineOptions): Promise<TrainingEngine> {
  const { spec, supervision, adam } = options;
  const backend = await initTfjsBackend(options.device, { threads: options.threads });
  const shapes = layerShapes(spec).map(([out, inDim]) => ({ out, in: inDim }));
  checkShapes(options.params, shapes);
  // Inside tidy: tf.variable keeps its initial tensor alive otherwise.
  const variables: LayerTensors<tf.Variable>[] = tf.tidy(() =>
    options.params.map((l) => ({
      weight: tf.variable(tf.tensor2d(l.weight, [l.out, l.in]), true),
      bias: tf.variable(tf.tensor1d(l.bias), true),
    })),
  );
  // Passed explicitly: tfjs would otherwise train every trainable variable in the process.
  const varList = variables.flatMap((v) => [v.weight, v.bias]);
  const optimizer = tf.train.adam(adam.lr, adam.beta1, adam.beta2, adam.eps) as AdamWithRate;

  const loss = (batch: StepBatch): tf.Scalar => {
    const n = batchRows(batch, spec.outputs, TARGET_NAMES[supervision]);
    const coords = tf.tensor2d(batch.coords, [n, 2]);
    const targets = Object.fromEntries(
      TARGET_NAMES[supervision].map((name) => [name, tf.tensor2d(batch.targets[name], [n, spec.outputs])]),
    );
    const jet = forwardJet(tfjsOps, spec, variables, coords, SUPERVISION_ORDER[supervision]);
    return supervisionLoss(tfjsOps, supervision, jet, targets) as tf.Scalar;
  };

  /** Copies tensors in varList order into ModelParams; a missing tensor reads as zeros. */
  const readParams = async (tensors: Array<tf.Tensor | undefined>): Promise<ModelParams> => {
    const data = await Promise.all(
      tensors.map((t, k) => (t ? (t.data() as Promise<Float32Array>) : new Float32Array(varList[k].size))),
    );
    return shapes.map((s, i) => ({ ...s, weight: data[2 * i].slice(), bias: data[2 * i + 1].slice() }));
  };

  return {
    description: backend.description,

    async step(batch, lr = adam.lr) {
      optimizer.learningRate = lr;
      // minimize returns the loss before the update; everything else is freed by the tidy.
      const value = tf.tidy(() => optimizer.minimize(() => loss(batch), true, varList) as tf.Scalar);
      const [result] = await value.data();
      value.dispose();
      return result;
    },

    async predict(coords) {
      if (coords.length % 2 !== 0) throw new Error(`predict: ${coords.length} coordinates do not form (x, y) pairs`);
      const n = coords.length / 2;
      const out = new Float32Array(n * spec.outputs);
      for (let start = 0; start < n; start += PREDICT_TILE) {
        const end = Math.min(n, start + PREDICT_TILE);
        const image = tf.tidy(() => {
          const x = tf.tensor2d(coords.subarray(2 * start, 2 * end), [end - start, 2]);
          return forwardJet(tfjsOps, spec, variables, x, 0).value;
        });
        out.set(await image.data(), start * spec.outputs);
        image.dispose();
      }
      return out;
    },

    async lossGradients(batch) {
      const { value, grads } = tf.tidy(() => tf.variableGrads(() => loss(batch), varList));
      try {
        const [lossValue] = await value.data();
        // tfjs leaves out variables the loss does not depend on (e.g. the output bias under a gradient loss).
        return { loss: lossValue, gradients: await readParams(varList.map((v) => grads[v.name])) };
      } finally {
        tf.dispose([value, ...Object.values(grads)]);
      }
    },

    params: () => readParams(varList),

    async setParams(params) {
      checkShapes(params, shapes);
      tf.tidy(() =>
        params.forEach((p, i) => {
          variables[i].weight.assign(tf.tensor2d(p.weight, [p.out, p.in]));
          variables[i].bias.assign(tf.tensor1d(p.bias));
        }),
      );
    },

    async optimizerState() {
      // getWeights: [iterations, first moments..., second moments...], named "<variable>/m" and "<variable>/v";
      // a variable the loss does not depend on has none (it reads as zeros, as in the ONNX engine).
      const [iterations, ...moments] = await optimizer.getWeights();
      const step = (await iterations.tensor.data())[0];
      iterations.tensor.dispose();
      const byName = new Map(moments.map((w) => [w.name, w.tensor]));
      return {
        step,
        m: await readParams(varList.map((v) => byName.get(`${v.name}/m`))),
        v: await readParams(varList.map((v) => byName.get(`${v.name}/v`))),
      };
    },

    async setOptimizerState(state) {
      checkShapes(state.m, shapes);
      checkShapes(state.v, shapes);
      const [iterations, ...old] = await optimizer.getWeights();
      tf.dispose([iterations.tensor, ...old.map((w) => w.tensor)]);
      // tfjs pairs moments with gradients by position. Every variable gets its moments here; only the
      // last one (the output bias under a derivative loss) can lack a gradient, so positions still match.
      const moments = (params: ModelParams, suffix: string) =>
        params.flatMap((p, i) => [
          { name: `${varList[2 * i].name}/${suffix}`, tensor: tf.tensor2d(p.weight, [p.out, p.in]) },
          { name: `${varList[2 * i + 1].name}/${suffix}`, tensor: tf.tensor1d(p.bias) },
        ]);
      const weights = [
        { name: "iter", tensor: tf.scalar(state.step, "int32") },
        ...(state.step > 0 ? [...moments(state.m, "m"), ...moments(state.v, "v")] : []),
      ];
      await optimizer.setWeights(weights);
      tf.dispose(weights.map((w) => w.tensor));
    },

    async dispose() {
      optimizer.dispose();
      tf.dispose(varList);
    },
  };
}

function checkShapes(params: ModelParams, shapes: Array<{ out: number; in: number }>): void {
  const describe = (ls: Array<{ out: number; in: number }>) => ls.map((l) => `${l.out}x${l.in}`).join(", ");
  const ok =
    params.length === shapes.length &&
    params.every(
      (p, i) =>
        p.out === shapes[i].out && p.in === shapes[i].in && p.weight.length === p.out * p.in && p.bias.length === p.out,
    );
  if (!ok)
    throw new Error(`tfjs engine: parameters [${describe(params)}] do not match the spec's [${describe(shapes)}]`);
}

/** Number of points in a batch, after checking that coordinates and targets agree. */
function batchRows(batch: StepBatch, channels: number, targetNames: string[]): number {
  if (batch.coords.length % 2 !== 0) throw new Error(`batch: ${batch.coords.length} coordinates do not form pairs`);
  const n = batch.coords.length / 2;
  for (const name of targetNames) {
    const t = batch.targets[name];
    if (!t) throw new Error(`batch: target "${name}" is missing`);
    if (t.length !== n * channels) {
      throw new Error(`batch: target "${name}" has ${t.length} values, expected ${n} points x ${channels} channels`);
    }
  }
  return n;
}
