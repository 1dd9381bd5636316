import { UserError } from "./errors.ts";
/** The one description of a coordinate MLP, shared by trainer, exporter and viewer. */

export const ACTIVATION_NAMES = ["sine", "relu", "tanh", "sigmoid", "relu-pe"] as const;
export type ModelKind = (typeof ACTIVATION_NAMES)[number];
/** The pointwise nonlinearity of the hidden layers (relu-pe is relu behind a positional encoding). */
export type HiddenActivation = "sine" | "relu" | "tanh" | "sigmoid";

export interface ModelSpec {
  /** Model kind, as named on the CLI (`siren` is an alias of `sine`). */
  activation: ModelKind;
  /** Frequency factor of the sine layers: sin(omega0 * (W x + b)). Ignored by other kinds. */
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
}

export const SPEC_VERSION = 1;

export function hiddenActivation(kind: ModelKind): HiddenActivation {
  return kind === "relu-pe" ? "relu" : kind;
}

/** Maps CLI names (siren, relu, ...) to the model kind. */
export function parseModelKind(name: string): ModelKind {
  const kind = name === "siren" ? "sine" : name;
  if (!(ACTIVATION_NAMES as readonly string[]).includes(kind)) {
    throw new UserError(`unknown model "${name}" (expected one of: siren, relu, tanh, sigmoid, relu-pe)`);
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
    omega0: options.omega0 ?? 30,
    inputs: 2,
    width: options.width ?? 256,
    hiddenLayers: options.hiddenLayers ?? 3,
    outputs: options.outputs ?? 1,
    peFrequencies: options.peFrequencies ?? 6,
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
  return {
    activation: s.activation as ModelKind,
    omega0: s.omega0,
    inputs: 2,
    width: positiveInt("width", 4096),
    hiddenLayers: positiveInt("hiddenLayers", 64),
    outputs: s.outputs,
    peFrequencies: positiveInt("peFrequencies", 16),
  };
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
