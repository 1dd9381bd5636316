import type { ModelParams, ModelSpec, Supervision } from "@siren-onnx/core";

/** Adam hyper-parameters (PyTorch defaults besides the learning rate). */
export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export const DEFAULT_ADAM: AdamOptions = { lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export interface EngineOptions {
  spec: ModelSpec;
  /** Initial weights (the engine keeps its own copy). */
  params: ModelParams;
  /** Which quantity the loss compares (value, gradient, Laplacian). */
  supervision: Supervision;
  /** Points per training step (fixed for the life of the engine). */
  batchSize: number;
  adam: AdamOptions;
  /** "cpu" (default) or "cuda". */
  device?: string;
  threads?: number;
  /**
   * On the CPU with onnxruntime, split each step's points among single-threaded worker threads,
   * one per thread (data-parallel.ts; batches of at least 2 × MIN_SHARD_POINTS). Default true;
   * false runs one session with every thread (the comparison in `pnpm bench`).
   */
  dataParallel?: boolean;
}

/** Adam's state after `step` updates: the moments in the layout of the weights (for resuming a run). */
export interface AdamState {
  step: number;
  m: ModelParams;
  v: ModelParams;
}

/** One step's supervision: coords [n, 2] and targets [n, C] by name (value | dx, dy | laplacian). */
export interface StepBatch {
  coords: Float32Array;
  targets: Record<string, Float32Array>;
}

/** A training engine runs Adam steps on a resident copy of the weights. */
export interface TrainingEngine {
  /** e.g. "onnxruntime (cpu, 2 threads)" or "tfjs (wasm)". */
  readonly description: string;
  /** One Adam step; returns the loss before the update. lr may change between steps (schedules). */
  step(batch: StepBatch, lr?: number): Promise<number>;
  /** Model image [n, C] at arbitrary coords [n, 2]. */
  predict(coords: Float32Array): Promise<Float32Array>;
  /** Gradients of the loss w.r.t. every weight and bias for a batch, without updating (tests, parity). */
  lossGradients(batch: StepBatch): Promise<{ loss: number; gradients: ModelParams }>;
  /** Current weights (a copy). */
  params(): Promise<ModelParams>;
  /** Replaces the weights (e.g. to restore the best ones); resets nothing else. */
  setParams(params: ModelParams): Promise<void>;
  /** Adam's step count and moments (copies). */
  optimizerState(): Promise<AdamState>;
  /** Restores a saved Adam state; with setParams the engine continues as if never stopped. */
  setOptimizerState(state: AdamState): Promise<void>;
  dispose(): Promise<void>;
}
