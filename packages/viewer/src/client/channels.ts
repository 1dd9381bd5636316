import type { RenderOutput } from "@siren-onnx/core";

/** The channels the viewer offers, in toolbar and keyboard (1-6) order, with their symbols. */
export const CHANNELS: ReadonlyArray<{ output: RenderOutput; symbol: string; title: string }> = [
  { output: "image", symbol: "image", title: "The image (values in [-1, 1], shown as (v + 1) / 2)" },
  { output: "gradient-x", symbol: "∂x", title: "Derivative along x (diverging colour map)" },
  { output: "gradient-y", symbol: "∂y", title: "Derivative along y (diverging colour map)" },
  { output: "gradient-magnitude", symbol: "|∇|", title: "Gradient magnitude (viridis)" },
  { output: "laplacian", symbol: "∇²", title: "Laplacian (diverging colour map)" },
  { output: "gradient", symbol: "∇ dir", title: "Gradient direction as hue, magnitude as brightness" },
];

export function channelSymbol(output: RenderOutput): string {
  return CHANNELS.find((c) => c.output === output)?.symbol ?? output;
}
