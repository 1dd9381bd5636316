import { createEngine, type EngineName } from "./engines/create-engine.ts";
import { DEFAULT_ADAM } from "./engines/engine.ts";
import { batchSizeFor, runTrainLoop, type TrainLoopResult, type TrainRunOptions } from "./train-run.ts";

export * from "./train-run.ts";

export interface TrainLoopOptions extends TrainRunOptions {
  engine: EngineName;
  device?: string;
  threads?: number;
  /** EngineOptions.dataParallel (default true). */
  dataParallel?: boolean;
}

/** The training loop on a new engine of the given kind (disposed at the end). */
export async function trainLoop(options: TrainLoopOptions): Promise<TrainLoopResult> {
  const engine = await createEngine(options.engine, {
    spec: options.spec,
    params: options.params,
    supervision: options.task.supervision,
    batchSize: batchSizeFor(options.task, options.batch),
    adam: { ...DEFAULT_ADAM, lr: options.lr },
    device: options.device,
    threads: options.threads,
    dataParallel: options.dataParallel,
  });
  try {
    return await runTrainLoop(engine, options);
  } finally {
    await engine.dispose();
  }
}
