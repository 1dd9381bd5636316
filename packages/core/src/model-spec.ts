import { UserError } from "./errors.ts";
/** The one description of a coordinate MLP, shared by trainer, exporter and viewer. */

export const ACTIVATION_NAMES = ["sine", "relu", "tanh", "sigmoid", "relu-pe", "finer", "gauss"] as const;
export type ModelKind = (typeof ACTIVATION_NAMES)[number];
/** The pointwise nonlinearity of the hidden layers (relu-pe is relu behind a positional encoding). */
export type HiddenActivation = "sine" | "relu" | "tanh" | "sigmoid" | "finer" | "gauss";

export interface ModelSpec {
  /** Model kind, as named on the CLI (`siren` is an alias of `sine`). */
  activation: ModelKind;
  /**
   * The activation's frequency factor: sine sin(omega0 (W x + b)), finer
   * sin(omega0 (|W x + b| + 1)(W x + b)), and gauss's s in exp(-(s (W x + b))^2). Ignored by
   * the other kinds.
   */
  omega0: number;
  /** Input coordinates (x, y). */
  inputs: 2;
  /** Width of every hidden layer. */
  width: number;
  /** Number of hidden width->width layers after the first layer (3 in the reference). */
  hiddenLayers: number;
  /** Output channels: 1 (grayscale) or 3 (RGB). */
  outputs: 1 | 3;
  /** relu-pe only: number of octaves L of the encoding [p, sin(2^i pi p), cos(2^i pi p)], i < L. */
  peFrequencies: number;
  /**
   * finer only (and required there): the first layer's biases are drawn from U(-k, k), the
   * FINER paper's bandwidth knob (a larger k selects higher frequencies). Only the init reads it.
   */
  firstBiasScale?: number;
}

/**
 * Default omega0 of the kinds that use it (see the README, "Model", for the sweep that chose
 * them); other kinds keep 30, which they ignore.
 */
export const DEFAULT_OMEGA0: Record<ModelKind, number> = {
  sine: 30,
  relu: 30,
  tanh: 30,
  sigmoid: 30,
  "relu-pe": 30,
  finer: 30,
  gauss: 10,
};

/** Default FINER first-layer bias range k (README, "Model"). */
export const DEFAULT_FIRST_BIAS_SCALE = 1;

export const SPEC_VERSION = 1;

export function hiddenActivation(kind: ModelKind): HiddenActivation {
  return kind === "relu-pe" ? "relu" : kind;
}

/** The CLI names of the model kinds (`siren` for sine), in ACTIVATION_NAMES order. */
export const MODEL_NAMES: readonly string[] = ACTIVATION_NAMES.map((kind) => modelLabel(kind));

/** Maps CLI names (siren, relu, ...) to the model kind. */
export function parseModelKind(name: string): ModelKind {
  const kind = name === "siren" ? "sine" : name;
  if (!(ACTIVATION_NAMES as readonly string[]).includes(kind)) {
    throw new UserError(`unknown model "${name}" (expected one of: ${MODEL_NAMES.join(", ")})`);
  }
  return kind as ModelKind;
}

/** Display name used in reports and the viewer. */
export function modelLabel(kind: ModelKind): string {
  return kind === "sine" ? "siren" : kind;
}

/** Octaves of the positional encoding below the Nyquist rate of an image side (the official SIREN rule). */
export function nyquistOctaves(sidePixels: number): number {
  return Math.max(1, Math.floor(Math.log2(sidePixels / 4)));
}

export function createSpec(
  activation: ModelKind,
  options: Partial<Omit<ModelSpec, "activation" | "inputs">> = {},
): ModelSpec {
  return validateSpec({
    activation,
    omega0: options.omega0 ?? DEFAULT_OMEGA0[activation],
    inputs: 2,
    width: options.width ?? 256,
    hiddenLayers: options.hiddenLayers ?? 3,
    outputs: options.outputs ?? 1,
    peFrequencies: options.peFrequencies ?? 6,
    ...(activation === "finer" ? { firstBiasScale: options.firstBiasScale ?? DEFAULT_FIRST_BIAS_SCALE } : {}),
  });
}

/** Validates an untrusted spec (e.g. from a file) and names the first bad field. */
export function validateSpec(value: unknown): ModelSpec {
  if (typeof value !== "object" || value === null) throw new UserError("spec: expected an object");
  const s = value as Record<string, unknown>;
  const positiveInt = (key: string, max: number) => {
    const v = s[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > max) {
      throw new UserError(`spec.${key}: expected an integer in 1..${max}, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  if (typeof s.activation !== "string" || !(ACTIVATION_NAMES as readonly string[]).includes(s.activation)) {
    throw new UserError(
      `spec.activation: expected one of ${ACTIVATION_NAMES.join(", ")}, got ${JSON.stringify(s.activation)}`,
    );
  }
  if (typeof s.omega0 !== "number" || !Number.isFinite(s.omega0) || s.omega0 <= 0) {
    throw new UserError(`spec.omega0: expected a positive number, got ${JSON.stringify(s.omega0)}`);
  }
  if (s.inputs !== 2) throw new UserError(`spec.inputs: expected 2, got ${JSON.stringify(s.inputs)}`);
  if (s.outputs !== 1 && s.outputs !== 3)
    throw new UserError(`spec.outputs: expected 1 or 3, got ${JSON.stringify(s.outputs)}`);
  const spec: ModelSpec = {
    activation: s.activation as ModelKind,
    omega0: s.omega0,
    inputs: 2,
    width: positiveInt("width", 4096),
    hiddenLayers: positiveInt("hiddenLayers", 64),
    outputs: s.outputs,
    peFrequencies: positiveInt("peFrequencies", 16),
  };
  if (spec.activation === "finer") {
    const k = s.firstBiasScale;
    if (typeof k !== "number" || !Number.isFinite(k) || k <= 0) {
      throw new UserError(`spec.firstBiasScale: expected a positive number for finer, got ${JSON.stringify(k)}`);
    }
    spec.firstBiasScale = k;
  }
  return spec;
}

/** [out, in] of every linear layer, input layer first. */
export function layerShapes(spec: ModelSpec): Array<[number, number]> {
  const first = spec.activation === "relu-pe" ? 2 + 4 * spec.peFrequencies : spec.inputs;
  const shapes: Array<[number, number]> = [[spec.width, first]];
  for (let i = 0; i < spec.hiddenLayers; i++) shapes.push([spec.width, spec.width]);
  shapes.push([spec.outputs, spec.width]);
  return shapes;
}

export function parameterCount(spec: ModelSpec): number {
  return layerShapes(spec).reduce((n, [o, i]) => n + o * i + o, 0);
}

/** Multiply-adds of one forward pass per point (for GFLOP/s figures). */
export function forwardFlopsPerPoint(spec: ModelSpec): number {
  return layerShapes(spec).reduce((n, [o, i]) => n + 2 * o * i, 0);
}
