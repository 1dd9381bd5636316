import { formatRegion, type Region, type RenderOutput, UserError } from "@siren-onnx/core";

/** JSON renders spell every value out: above this many, use --format npy. */
export const MAX_JSON_VALUES = 4 * 1024 * 1024;

/** A float32 little-endian .npy file (format 1.0) of the given C-order shape. */
export function encodeNpy(values: Float32Array, shape: readonly number[]): Uint8Array {
  if (shape.reduce((a, b) => a * b, 1) !== values.length) {
    throw new Error(`npy: ${values.length} values do not fill shape [${shape}]`);
  }
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // Magic (6) + version (2) + length (2) + header + newline, padded to a multiple of 64 bytes.
  header = `${header}${" ".repeat(63 - ((10 + header.length) % 64))}\n`;
  const out = new Uint8Array(10 + header.length + values.byteLength);
  out.set([0x93, ...new TextEncoder().encode("NUMPY"), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  // Float32Array is little-endian on every platform Node runs on.
  out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), 10 + header.length);
  return out;
}

export interface ValuesDescription {
  output: RenderOutput;
  region: Region;
  shape: number[];
}

/** A JSON render: its description and the values flattened in C order (9 significant digits round-trip float32). */
export function encodeValuesJson(values: Float32Array, info: ValuesDescription): string {
  assertJsonSize(values.length);
  const numbers = Array.from(values, (v) => (Number.isFinite(v) ? +v.toPrecision(9) : null));
  return `${JSON.stringify({ output: info.output, region: formatRegion(info.region), shape: info.shape, values: numbers })}\n`;
}

export function assertJsonSize(count: number): void {
  if (count > MAX_JSON_VALUES) {
    throw new UserError(
      `a JSON render holds at most ${MAX_JSON_VALUES} values (this one has ${count}); use --format npy for larger renders`,
    );
  }
}
