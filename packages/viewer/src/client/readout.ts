import type { RenderOutput } from "@siren-onnx/core";
import { channelSymbol } from "./channels.ts";

const num = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(4));

/**
 * The cursor readout: the coordinate, whether it is inside the training domain, and each
 * pane's value there (raw model values in [-1, 1] units; pixel colours for server renders).
 */
export function formatReadout(
  point: { x: number; y: number },
  output: RenderOutput,
  panes: Array<{ label: string; values?: number[]; colour?: number[] }>,
): string {
  const inside = Math.abs(point.x) <= 1 && Math.abs(point.y) <= 1;
  const where = `x ${num(point.x)}  y ${num(point.y)}${inside ? "" : "  (outside the training domain)"}`;
  const parts = panes.map(({ label, values, colour }) => {
    if (values) {
      const shown = output === "gradient" ? `(${values.map(num).join(", ")})` : values.map(num).join(" ");
      return `${label} ${output === "image" ? "value" : channelSymbol(output)} ${shown}`;
    }
    return colour ? `${label} rgb ${colour.join(" ")}` : `${label} –`;
  });
  return [where, ...parts].join("  ·  ");
}
