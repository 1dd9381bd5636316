import {
  forwardJet,
  layerShapes,
  type ModelSpec,
  SUPERVISION_ORDER,
  type Supervision,
  supervisionLoss,
  TARGET_NAMES,
} from "@siren-onnx/core";
import { Graph, GraphOps, gradients, type Value } from "@siren-onnx/onnx-graph";
import type { AdamOptions } from "./engine.ts";

/** Names of the graph inputs/outputs that carry a parameter and its Adam state. */
export function parameterNames(spec: ModelSpec): string[] {
  return layerShapes(spec).flatMap((_, i) => [`layers.${i}.weight`, `layers.${i}.bias`]);
}

export const NEXT = (name: string) => `next.${name}`;
export const ADAM_M = (name: string) => `adam.m.${name}`;
export const ADAM_V = (name: string) => `adam.v.${name}`;
export const GRAD = (name: string) => `grad.${name}`;
/** Scalar inputs of the Adam update: lr / (1 - beta1^t) and 1 / sqrt(1 - beta2^t). */
export const STEP_SIZE = "adam.step_size";
export const V_SCALE = "adam.v_scale";

function parameterInputs(graph: Graph, spec: ModelSpec) {
  return layerShapes(spec).map(([out, inDim], i) => ({
    weight: graph.input(`layers.${i}.weight`, [out, inDim]),
    bias: graph.input(`layers.${i}.bias`, [out]),
  }));
}

/** Forward pass, task loss and reverse-mode gradients of a fixed-size batch. */
function lossAndGradients(spec: ModelSpec, supervision: Supervision, batchSize: number) {
  const graph = new Graph(`siren-${supervision}-step`);
  const ops = new GraphOps(graph);
  const coords = graph.input("coords", [batchSize, 2]);
  const targets: Record<string, Value> = {};
  for (const name of TARGET_NAMES[supervision])
    targets[name] = graph.input(`target.${name}`, [batchSize, spec.outputs]);
  const layers = parameterInputs(graph, spec);
  const jet = forwardJet(ops, spec, layers, coords, SUPERVISION_ORDER[supervision]);
  const loss = supervisionLoss(ops, supervision, jet, targets);
  const params = layers.flatMap((l) => [l.weight, l.bias]);
  const grads = gradients(graph, loss, params);
  graph.output(loss, "loss");
  return { graph, ops, params, grads };
}

/** loss and d loss / d parameter as outputs (for tests and the parity check). */
export function buildGradientGraph(spec: ModelSpec, supervision: Supervision, batchSize: number): Graph {
  const { graph, params, grads } = lossAndGradients(spec, supervision, batchSize);
  for (const [k, p] of params.entries()) graph.output(grads[k], GRAD(p.name));
  return graph.prune();
}

/** Adam's update of every parameter from its gradient, with the moments as inputs and outputs. */
function appendAdamUpdate(graph: Graph, ops: GraphOps, params: Value[], grads: Value[], adam: AdamOptions): void {
  const stepSize = graph.input(STEP_SIZE, []);
  const vScale = graph.input(V_SCALE, []);
  params.forEach((p, k) => {
    const g = grads[k];
    const m = graph.input(ADAM_M(p.name), p.shape);
    const v = graph.input(ADAM_V(p.name), p.shape);
    const m1 = ops.add(ops.scale(m, adam.beta1), ops.scale(g, 1 - adam.beta1));
    const v1 = ops.add(ops.scale(v, adam.beta2), ops.scale(ops.mul(g, g), 1 - adam.beta2));
    const denom = ops.addScalar(ops.mul(ops.unary("Sqrt", v1), vScale), adam.eps);
    const update = ops.mul(ops.binary("Div", m1, denom), stepSize);
    graph.output(ops.sub(p, update), NEXT(p.name));
    graph.output(m1, NEXT(ADAM_M(p.name)));
    graph.output(v1, NEXT(ADAM_V(p.name)));
  });
}

/**
 * One complete Adam step as a graph: outputs the loss (before the update) and the next
 * parameters and moments, which the engine feeds back as the next step's inputs.
 * Matches torch.optim.Adam: p -= lr m_hat / (sqrt(v_hat) + eps).
 */
export function buildTrainingStepGraph(
  spec: ModelSpec,
  supervision: Supervision,
  batchSize: number,
  adam: AdamOptions,
): Graph {
  const { graph, ops, params, grads } = lossAndGradients(spec, supervision, batchSize);
  appendAdamUpdate(graph, ops, params, grads, adam);
  return graph.prune();
}

/** Shard k's gradient of a parameter, as an input of the sharded Adam graph. */
export const SHARD_GRAD = (k: number, name: string) => `shard.${k}.grad.${name}`;

/**
 * The update half of a data-parallel step: the shards' gradients (buildGradientGraph on each
 * shard's points), averaged with the shards' shares of the batch as weights (each shard's loss is
 * a mean over its points), then the same Adam update as buildTrainingStepGraph.
 */
export function buildShardedAdamGraph(spec: ModelSpec, shardShares: readonly number[], adam: AdamOptions): Graph {
  const graph = new Graph("siren-sharded-adam");
  const ops = new GraphOps(graph);
  const params = parameterInputs(graph, spec).flatMap((l) => [l.weight, l.bias]);
  const grads = params.map((p) =>
    shardShares
      .map((share, k) => ops.scale(graph.input(SHARD_GRAD(k, p.name), p.shape), share))
      .reduce((sum, g) => ops.add(sum, g)),
  );
  appendAdamUpdate(graph, ops, params, grads, adam);
  return graph.prune();
}

/**
 * Forward pass with weights as inputs (so it follows training without a rebuild): the image,
 * and with `withGradient` also d/dx and d/dy as `dx`, `dy` [N, C] (the viewer's live derivative).
 */
export function buildPredictGraph(spec: ModelSpec, withGradient = false): Graph {
  const graph = new Graph("siren-predict");
  const ops = new GraphOps(graph);
  const coords = graph.input("coords", [-1, 2]);
  const jet = forwardJet(ops, spec, parameterInputs(graph, spec), coords, withGradient ? 1 : 0);
  graph.output(jet.value, "image");
  if (withGradient) {
    const [dx, dy] = jet.gradient!;
    graph.output(dx, "dx");
    graph.output(dy, "dy");
  }
  return graph.prune();
}
