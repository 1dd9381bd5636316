/**
 * What the ONNX engine (onnx-step-engine.ts) and its data-parallel sessions (data-parallel.ts)
 * need from an onnxruntime: onnxruntime-node (onnx-engine.ts) and onnxruntime-web (the viewer's
 * train worker) each provide one.
 */

/** The part of an onnxruntime tensor the engine uses (onnxruntime-node's and -web's alike). */
export interface RuntimeTensor {
  readonly data: unknown;
  readonly location: string;
  dispose(): void;
}

export interface RuntimeSession {
  run(feeds: Record<string, RuntimeTensor>): Promise<Record<string, RuntimeTensor>>;
  release(): Promise<void>;
}

/** A worker thread with its own single-threaded CPU sessions. */
export interface RuntimeWorker {
  createSession(bytes: Uint8Array): Promise<RuntimeSession>;
  terminate(): Promise<void>;
}

/**
 * What the engine needs from an onnxruntime: tensors and sessions. onnxruntime-node (onnx-engine.ts)
 * and onnxruntime-web (the viewer's train worker) each provide one, so both run this one engine.
 */
export interface OnnxRuntime {
  tensor(data: Float32Array, dims: readonly number[]): RuntimeTensor;
  /** A session whose outputs named in `deviceOutputs` stay on the GPU (ignored when not on a GPU). */
  createSession(bytes: Uint8Array, deviceOutputs: string[]): Promise<RuntimeSession>;
  /** Whether the sessions run on WebGPU: their graphs then compute sin and cos with lowerTrig. */
  webgpu: boolean;
  /** e.g. "onnxruntime (cpu, 2 threads)". */
  description: string;
  /**
   * Reads a GPU-resident tensor back, where the runtime can (onnxruntime-web's getData); without
   * it the engine copies through a session (onnxruntime-node cannot download a GPU tensor).
   */
  download?(tensor: RuntimeTensor): Promise<Float32Array>;
  /** Compute sin and cos with lowerTrig off WebGPU too (onnxruntime-web's wasm Sin is a scalar loop). */
  polynomialTrig?: boolean;
  /**
   * Worker threads for data parallelism (onnxruntime-node on the CPU): with them each step and
   * prediction is split among `count` workers (data-parallel.ts). Absent: one session runs all.
   */
  workers?: { count: number; start(): RuntimeWorker };
}
