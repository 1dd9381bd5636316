import {
  type Checkpoint,
  forwardJet,
  layerScale,
  type ModelParams,
  type ModelSpec,
  metadataProps,
  modelLabel,
  ONNX_INPUT,
  ONNX_OUTPUTS,
} from "@siren-onnx/core";
import { Graph, GraphOps, graphToOnnx, lowerTrig } from "@siren-onnx/onnx-graph";

/* Checkpoint -> ONNX bytes, with no Node imports (`@siren-onnx/exporter/graph`): the viewer's Train panel exports with it. */

export interface GraphOptions {
  /** Add the `gradient` and `laplacian` outputs. */
  derivatives: boolean;
  /**
   * Multiply omega0 into the weights and biases of the layers it scales (sine, gauss) so every
   * Gemm has alpha = beta = 1 (default true; the bench compares both).
   */
  foldOmega0?: boolean;
  /** How the graph computes sin and cos (default "native"); see TrigMode. */
  trig?: TrigMode;
}

/**
 * "native": ONNX Sin/Cos nodes, each runtime's own (onnxruntime-node CPU: fastest on few cores).
 * "polynomial": onnx-graph's lowerTrig, a range reduction and minimax polynomials from
 * Mul/Add/Sub/Round/Abs/Sign, <= 3e-7 from float64 for |x| <= 1e5 on every runtime; faster in
 * onnxruntime-web's wasm backend (whose Sin is a scalar loop) and accurate on WebGPU (whose sin
 * is ~2e-4 and only in [-pi, pi]), but 1.4-2.5x slower renders on onnxruntime-node with 2 CPU
 * threads, hence not the default (README, "sin and cos", has the figures).
 */
export type TrigMode = "native" | "polynomial";

/** Weights with each layer's scale (omega0 of sine and gauss hidden layers) multiplied in, and a spec whose scales are all 1. */
export function foldLayerScales(spec: ModelSpec, params: ModelParams): { spec: ModelSpec; params: ModelParams } {
  // Only a spec whose omega0 is a layer scale can drop it: finer's activation reads omega0 itself.
  if (!hasLayerScales(spec, params.length)) return { spec, params };
  const folded = params.map((p, i) => {
    const s = layerScale(spec, i, params.length);
    return s === 1 ? p : { ...p, weight: p.weight.map((w) => w * s), bias: p.bias.map((b) => b * s) };
  });
  return { spec: { ...spec, omega0: 1 }, params: folded };
}

function hasLayerScales(spec: ModelSpec, layerCount: number): boolean {
  return Array.from({ length: layerCount }, (_, i) => layerScale(spec, i, layerCount)).some((s) => s !== 1);
}

/**
 * The model as a graph: input `coords` [N, 2]; output `image` [N, C] and, with derivatives,
 * `gradient` [N, C, 2] (last axis d/dx, d/dy) and `laplacian` [N, C]. The math is core's
 * forwardJet emitted through GraphOps; weights are initializers named like the checkpoint's tensors.
 */
export function buildModelGraph(ckpt: Checkpoint, options: GraphOptions): Graph {
  const { spec, params } = options.foldOmega0 === false ? ckpt : foldLayerScales(ckpt.spec, ckpt.params);
  const graph = new Graph(`siren_${modelLabel(ckpt.spec.activation).replace("-", "_")}`);
  const ops = new GraphOps(graph);
  const coords = graph.input(ONNX_INPUT, [-1, 2]);
  const layers = params.map((p, i) => ({
    weight: graph.initializer(`layers.${i}.weight`, p.weight, [p.out, p.in]),
    bias: graph.initializer(`layers.${i}.bias`, p.bias, [p.out]),
  }));
  const jet = forwardJet(ops, spec, layers, coords, options.derivatives ? 2 : 0);
  graph.output(jet.value, ONNX_OUTPUTS.image);
  if (options.derivatives) {
    const [dx, dy] = jet.gradient!;
    graph.output(ops.concat([ops.unsqueeze(dx, 2), ops.unsqueeze(dy, 2)], 2), ONNX_OUTPUTS.gradient);
    graph.output(jet.laplacian!, ONNX_OUTPUTS.laplacian);
  }
  graph.prune();
  // Lowered last, after the forward-mode math, so the graph above is the same for both modes.
  return options.trig === "polynomial" ? lowerTrig(graph) : graph;
}

/** The serialised ONNX model with its metadata. */
export function exportModelBytes(ckpt: Checkpoint, options: GraphOptions): Uint8Array {
  const graph = buildModelGraph(ckpt, options);
  const folded = options.foldOmega0 !== false && hasLayerScales(ckpt.spec, ckpt.params.length);
  return graphToOnnx(graph, {
    metadata: metadataProps(
      ckpt,
      graph.outputs.map((o) => o.name),
    ),
    docString:
      `siren-onnx ${modelLabel(ckpt.spec.activation)} model (${ckpt.training.task}); see metadata_props.` +
      (folded ? ` omega0 = ${ckpt.spec.omega0} is multiplied into the weights and biases of the hidden layers.` : "") +
      (options.trig === "polynomial"
        ? " sin and cos are computed by range reduction and polynomials (siren-onnx lowerTrig), not Sin/Cos nodes."
        : ""),
  });
}
