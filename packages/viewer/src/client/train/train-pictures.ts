/** The live pictures: model values and gradient magnitudes as RGBA bytes for a canvas. */

/** Model values ([-1, 1]) as RGBA bytes. */
export function toRgba(values: Float32Array, channels: number, count: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(count * 4);
  for (let p = 0; p < count; p++) {
    for (let c = 0; c < 3; c++) out[4 * p + c] = ((values[p * channels + (channels === 1 ? 0 : c)] + 1) / 2) * 255;
    out[4 * p + 3] = 255;
  }
  return out;
}

export /** |∇| of the model at every pixel, scaled by its largest value, as gray RGBA. */
function gradientRgba(dx: Float32Array, dy: Float32Array, channels: number, count: number): Uint8ClampedArray {
  const mag = new Float32Array(count);
  let max = 1e-12;
  for (let p = 0; p < count; p++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += dx[p * channels + c] ** 2 + dy[p * channels + c] ** 2;
    mag[p] = Math.sqrt(s / channels);
    max = Math.max(max, mag[p]);
  }
  const out = new Uint8ClampedArray(count * 4);
  for (let p = 0; p < count; p++) {
    const v = Math.sqrt(mag[p] / max) * 255;
    out[4 * p] = out[4 * p + 1] = out[4 * p + 2] = v;
    out[4 * p + 3] = 255;
  }
  return out;
}
