import { extractRenderValues, type RenderOutput, renderSource } from "@siren-onnx/core";
import type { SourceName, Sources } from "./worker-protocol.ts";

/**
 * What a view job fetches for a channel: the image alone from the image-only model (about 3x
 * cheaper), or every output of the derivative model, so that one run serves every channel.
 */
export function sourcesToFetch(output: RenderOutput): SourceName[] {
  return output === "image" ? ["image"] : ["image", "gradient", "laplacian"];
}

/** Whether kept sources can show `output` without running a model. */
export function sourcesCover(fetched: readonly SourceName[], output: RenderOutput): boolean {
  return fetched.includes(renderSource(output));
}

/** The render values of `output` ([N, C] or [N, C, 2]) from raw outputs of `points` points. */
export function channelValues(output: RenderOutput, sources: Sources, points: number, channels: number): Float32Array {
  const source = sources[renderSource(output)];
  if (!source) throw new Error(`no ${renderSource(output)} values for ${output}`);
  if (output === "image" || output === "laplacian" || output === "gradient") return source;
  const out = new Float32Array(points * channels);
  extractRenderValues(output, source, points, channels, out, 0);
  return out;
}

/** Floats per point of an ONNX output: C, or 2C for the gradient [C, 2]. */
export function floatsPerPoint(name: SourceName, channels: number): number {
  return (name === "gradient" ? 2 : 1) * channels;
}

/** Points [from, to) of every kept output (views, no copies). */
export function slicePoints(sources: Sources, channels: number, from: number, to: number): Sources {
  const out: Sources = {};
  for (const [name, values] of Object.entries(sources) as Array<[SourceName, Float32Array]>) {
    const k = floatsPerPoint(name, channels);
    out[name] = values.subarray(from * k, to * k);
  }
  return out;
}
