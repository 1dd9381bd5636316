import { hiddenActivation, layerShapes, type ModelSpec } from "./model-spec.ts";
import { SeededRandom } from "./random.ts";

/** One nn.Linear: weight [out, in] row-major (PyTorch layout), bias [out]. */
export interface LinearParams {
  out: number;
  in: number;
  weight: Float32Array;
  bias: Float32Array;
}

export type ModelParams = LinearParams[];

/**
 * Initial weights as in the reference implementations:
 * sine and finer: first layer U(-1/n, 1/n), later layers U(+-sqrt(6/n)/omega0) (SIREN paper,
 * sec. 3.2; the official FINER code uses the same); relu / relu-pe: Kaiming normal (fan_in);
 * tanh / sigmoid: Xavier normal; gauss: PyTorch's nn.Linear default U(+-1/sqrt(n)) (the official
 * Gauss code of the FINER and WIRE repositories keeps it);
 * biases: PyTorch's nn.Linear default U(+-1/sqrt(n)), except finer's first layer,
 * U(-k, k) with k = spec.firstBiasScale (FINER, sec. 3.3). n is the fan-in.
 */
export function initParams(spec: ModelSpec, seed: number): ModelParams {
  const rng = new SeededRandom(seed);
  const act = hiddenActivation(spec.activation);
  return layerShapes(spec).map(([out, fanIn], index) => {
    const weight = new Float32Array(out * fanIn);
    const bias = new Float32Array(out);
    let sampleWeight: () => number;
    if (act === "sine" || act === "finer") {
      const bound = index === 0 ? 1 / fanIn : Math.sqrt(6 / fanIn) / spec.omega0;
      sampleWeight = () => rng.uniform(-bound, bound);
    } else if (act === "gauss") {
      const bound = 1 / Math.sqrt(fanIn);
      sampleWeight = () => rng.uniform(-bound, bound);
    } else if (act === "relu") {
      const std = Math.sqrt(2 / fanIn);
      sampleWeight = () => std * rng.normal();
    } else {
      const std = Math.sqrt(2 / (fanIn + out));
      sampleWeight = () => std * rng.normal();
    }
    for (let i = 0; i < weight.length; i++) weight[i] = sampleWeight();
    const biasBound = act === "finer" && index === 0 ? firstBiasScale(spec) : 1 / Math.sqrt(fanIn);
    for (let i = 0; i < out; i++) bias[i] = rng.uniform(-biasBound, biasBound);
    return { out, in: fanIn, weight, bias };
  });
}

function firstBiasScale(spec: ModelSpec): number {
  if (spec.firstBiasScale === undefined) throw new Error("finer spec without firstBiasScale (use createSpec)");
  return spec.firstBiasScale;
}

export function cloneParams(params: ModelParams): ModelParams {
  return params.map((p) => ({ ...p, weight: p.weight.slice(), bias: p.bias.slice() }));
}
