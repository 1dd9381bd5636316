/**
 * Classical Poisson reconstruction: the image from the very finite differences of calculus.ts
 * (same stencils, same [-1, 1] units), the reference the networks of the Poisson tasks are
 * measured against.
 *
 * From the gradient (central differences inside, one-sided at the border): the least-squares
 * image, min |G u - g|^2, found by conjugate gradients on the normal equations G^T G u = G^T g
 * with the exact stencil operator. Along one axis, G^T G is the Laplacian of a weighted cycle
 * graph (the central differences link i-1 and i+1 with weight 1/4, the one-sided border
 * differences link 0-1 and (n-2)-(n-1) with weight 1), so the uniform cycle with weight 1/4,
 * which a 2-D FFT inverts, is a preconditioner with A0 <= G^T G <= 4 A0: the preconditioned
 * condition number is at most 4, and about 20 iterations reach float64 round-off. The gradient
 * fixes the image up to a constant (the only null vector of the stencil); the solution has mean 0.
 *
 * From the Laplacian (5-point stencil; at the border each axis reuses the second difference of its
 * nearest interior pixel): a direct solve. Along one axis the stencil is L1 = R D2, where D2 is
 * the (n-2) x n interior second difference and R repeats the first and last rows; D2 R is the
 * Neumann Laplacian on n - 2 points, which the DCT-II diagonalises. So R q_k (q_k the DCT
 * vectors) are eigenvectors of L1, and with p = i and s = i^2 / 2 (L1 p = 0, L1 s = 1) they make
 * a basis in which the 2-D stencil is diagonal except for a few couplings, solved in closed form.
 * The stencil's null space is 5-dimensional: 1, x, y, xy and sxx y^2 - syy x^2 (pixel
 * units; x^2 - y^2 in [-1, 1] units on a square image); the Laplacian fixes the image only up to
 * those, and `laplacianNullSpace` returns them for a least-squares fit.
 */
import { pixelsPerUnit } from "@siren-onnx/core";
import { dctPlan, fft } from "./spectral-transforms.ts";

export { dct, fft } from "./spectral-transforms.ts";

function checkShape(values: ArrayLike<number>, width: number, height: number, channels: number, min: number): void {
  if (width < min || height < min || values.length !== width * height * channels) {
    throw new Error(
      `the Poisson solver needs an image of at least ${min}x${min} with ${width * height * channels} values, got ${width}x${height}x${channels} with ${values.length}`,
    );
  }
}

function plane(values: ArrayLike<number>, channels: number, c: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = values[i * channels + c];
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

// ---------------------------------------------------------------------------------------------
// From the gradient.

/**
 * Applies D^T D of the 1-D gradient stencil (central inside, one-sided at both ends) to n
 * samples of v spaced `stride` apart from `base`, adding `weight` times the result into out.
 */
function addGradientNormal(
  v: Float64Array,
  out: Float64Array,
  base: number,
  stride: number,
  n: number,
  weight: number,
): void {
  // Border links 0-1 and (n-2)-(n-1) with weight 1, then i-1 - i+1 with weight 1/4.
  let d = weight * (v[base + stride] - v[base]);
  out[base + stride] += d;
  out[base] -= d;
  const last = base + (n - 1) * stride;
  d = weight * (v[last] - v[last - stride]);
  out[last] += d;
  out[last - stride] -= d;
  const w = weight / 4;
  for (let i = 1, a = base, b = base + 2 * stride; i < n - 1; i++, a += stride, b += stride) {
    d = w * (v[b] - v[a]);
    out[b] += d;
    out[a] -= d;
  }
}

/** D^T applied along one axis (the adjoint of calculus.ts's first difference), added into out. */
function addGradientTranspose(
  g: Float64Array,
  out: Float64Array,
  base: number,
  stride: number,
  n: number,
  weight: number,
): void {
  const at = (i: number) => base + i * stride;
  const g0 = weight * g[at(0)];
  out[at(0)] -= g0;
  out[at(1)] += g0;
  for (let i = 1; i < n - 1; i++) {
    const gi = (weight * g[at(i)]) / 2;
    out[at(i - 1)] -= gi;
    out[at(i + 1)] += gi;
  }
  const gn = weight * g[at(n - 1)];
  out[at(n - 2)] -= gn;
  out[at(n - 1)] += gn;
}

/** Pixel order along the cycle that the gradient's normal operator links: evens up, odds down. */
function cycleOrder(n: number): Uint32Array {
  const order: number[] = [];
  for (let i = 0; i < n; i += 2) order.push(i);
  for (let i = n % 2 === 0 ? n - 1 : n - 2; i >= 1; i -= 2) order.push(i);
  return Uint32Array.from(order);
}

/**
 * The preconditioner: the inverse of the uniform-cycle operator (weight 1/4 per link) on
 * mean-free images, a real 2-D circulant: rows are transformed two at a time (one as the real,
 * one as the imaginary part), and only the W / 2 + 1 columns of a real row's spectrum are kept.
 */
function cyclePreconditioner(width: number, height: number, sx2: number, sy2: number) {
  const ox = cycleOrder(width);
  const oy = cycleOrder(height);
  const bins = Math.floor(width / 2) + 1;
  const inverseEigen = new Float64Array(height * bins);
  for (let k = 0; k < height; k++) {
    const ly = (sy2 / 4) * (2 - 2 * Math.cos((2 * Math.PI * k) / height));
    for (let l = 0; l < bins; l++) {
      const lx = (sx2 / 4) * (2 - 2 * Math.cos((2 * Math.PI * l) / width));
      inverseEigen[k * bins + l] = k === 0 && l === 0 ? 0 : 1 / (lx + ly);
    }
  }
  // Spectra of the rows, [height, bins], stored column-major so the column FFTs read contiguous data.
  const specRe = new Float64Array(height * bins);
  const specIm = new Float64Array(height * bins);
  const zr = new Float64Array(width);
  const zi = new Float64Array(width);
  return (residual: Float64Array, out: Float64Array) => {
    for (let r = 0; r < height; r += 2) {
      const pair = r + 1 < height;
      const row0 = oy[r] * width;
      const row1 = pair ? oy[r + 1] * width : 0;
      for (let c = 0; c < width; c++) {
        zr[c] = residual[row0 + ox[c]];
        zi[c] = pair ? residual[row1 + ox[c]] : 0;
      }
      fft(zr, zi);
      for (let l = 0; l < bins; l++) {
        const ll = l === 0 ? 0 : width - l;
        // X0 = (Z_l + conj Z_-l) / 2, X1 = (Z_l - conj Z_-l) / 2i.
        specRe[l * height + r] = (zr[l] + zr[ll]) / 2;
        specIm[l * height + r] = (zi[l] - zi[ll]) / 2;
        if (pair) {
          specRe[l * height + r + 1] = (zi[l] + zi[ll]) / 2;
          specIm[l * height + r + 1] = (zr[ll] - zr[l]) / 2;
        }
      }
    }
    for (let l = 0; l < bins; l++) {
      const re = specRe.subarray(l * height, (l + 1) * height);
      const im = specIm.subarray(l * height, (l + 1) * height);
      fft(re, im);
      for (let k = 0; k < height; k++) {
        const f = inverseEigen[k * bins + l];
        re[k] *= f;
        im[k] *= f;
      }
      fft(re, im, true);
    }
    for (let r = 0; r < height; r += 2) {
      const pair = r + 1 < height;
      // Z = X0 + i X1 over the full spectrum (conjugate symmetry gives the bins above W / 2).
      for (let l = 0; l < bins; l++) {
        const a = l * height + r;
        const x0r = specRe[a];
        const x0i = specIm[a];
        const x1r = pair ? specRe[a + 1] : 0;
        const x1i = pair ? specIm[a + 1] : 0;
        zr[l] = x0r - x1i;
        zi[l] = x0i + x1r;
        if (l > 0 && width - l >= bins) {
          zr[width - l] = x0r + x1i;
          zi[width - l] = -x0i + x1r;
        }
      }
      fft(zr, zi, true);
      const row0 = oy[r] * width;
      const row1 = pair ? oy[r + 1] * width : 0;
      for (let c = 0; c < width; c++) {
        out[row0 + ox[c]] = zr[c];
        if (pair) out[row1 + ox[c]] = zi[c];
      }
    }
  };
}

export interface GradientSolveOptions {
  /** Stop when |G^T (g - G u)| / |G^T g| is below this (default 1e-12). */
  tolerance?: number;
  maxIterations?: number;
}

export interface PoissonSolution {
  /** Row-major [H * W, C], model units; from the gradient each channel has mean 0. */
  values: Float32Array;
  /** Conjugate-gradient iterations (largest over the channels); 0 for the direct Laplacian solve. */
  iterations: number;
  /** Relative residual of the equations solved (normal equations for the gradient, the stencil for the Laplacian). */
  residual: number;
}

/**
 * The image whose gradient (calculus.ts's stencil, [-1, 1] units) is closest to (dx, dy) in the
 * least-squares sense, up to a constant per channel (returned with mean 0).
 */
export function solveFromGradient(
  dx: ArrayLike<number>,
  dy: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  options: GradientSolveOptions = {},
): PoissonSolution {
  checkShape(dx, width, height, channels, 2);
  checkShape(dy, width, height, channels, 2);
  const tolerance = options.tolerance ?? 1e-12;
  const maxIterations = options.maxIterations ?? 200;
  const n = width * height;
  const sx = pixelsPerUnit(width);
  const sy = pixelsPerUnit(height);
  const precondition = cyclePreconditioner(width, height, sx * sx, sy * sy);
  const apply = (v: Float64Array, out: Float64Array) => {
    out.fill(0);
    for (let r = 0; r < height; r++) addGradientNormal(v, out, r * width, 1, width, sx * sx);
    for (let c = 0; c < width; c++) addGradientNormal(v, out, c, width, height, sy * sy);
  };
  const values = new Float32Array(n * channels);
  let iterations = 0;
  let worst = 0;
  for (let ch = 0; ch < channels; ch++) {
    const gx = plane(dx, channels, ch, n);
    const gy = plane(dy, channels, ch, n);
    const b = new Float64Array(n);
    for (let r = 0; r < height; r++) addGradientTranspose(gx, b, r * width, 1, width, sx);
    for (let c = 0; c < width; c++) addGradientTranspose(gy, b, c, width, height, sy);
    const bNorm = Math.sqrt(dot(b, b));
    const u = new Float64Array(n);
    const r = Float64Array.from(b);
    const z = new Float64Array(n);
    const q = new Float64Array(n);
    precondition(r, z);
    const p = Float64Array.from(z);
    let rz = dot(r, z);
    let k = 0;
    let relative = bNorm > 0 ? 1 : 0;
    while (relative > tolerance && k < maxIterations) {
      apply(p, q);
      const alpha = rz / dot(p, q);
      for (let i = 0; i < n; i++) {
        u[i] += alpha * p[i];
        r[i] -= alpha * q[i];
      }
      k++;
      relative = Math.sqrt(dot(r, r)) / bNorm;
      if (relative <= tolerance) break;
      precondition(r, z);
      const rzNext = dot(r, z);
      const beta = rzNext / rz;
      rz = rzNext;
      for (let i = 0; i < n; i++) p[i] = z[i] + beta * p[i];
    }
    let mean = 0;
    for (let i = 0; i < n; i++) mean += u[i];
    mean /= n;
    for (let i = 0; i < n; i++) values[i * channels + ch] = u[i] - mean;
    iterations = Math.max(iterations, k);
    worst = Math.max(worst, relative);
  }
  return { values, iterations, residual: worst };
}

// ---------------------------------------------------------------------------------------------
// From the Laplacian.

/**
 * The per-axis basis of the Laplacian solve: n - 2 vectors R q_k (DCT-II vectors q_k of length
 * n - 2, first and last entry repeated), then p = i and s = i^2 / 2. `analyse` gives the
 * coefficients of vectors (length n) in that basis, `synthesise` the vectors from them; both
 * take two vectors at a time (the second may be undefined).
 */
function axisBasis(n: number) {
  const m = n - 2;
  const plan = dctPlan(m);
  const v1 = new Float64Array(m);
  const v2 = new Float64Array(m);
  const x1 = new Float64Array(m);
  const x2 = new Float64Array(m);
  // Eigenvalues of the per-pixel stencil on R q_k: the Neumann Laplacian's -4 sin^2(pi k / 2m).
  const eigen = Float64Array.from({ length: n }, (_, k) => (k < m ? -4 * Math.sin((Math.PI * k) / (2 * m)) ** 2 : 0));
  const split = (w: Float64Array, v: Float64Array) => {
    const gamma = (w[n - 1] - w[n - 2] - (w[1] - w[0])) / (n - 2);
    const beta = w[1] - w[0] - gamma / 2;
    for (let j = 0; j < m; j++) {
      const i = j + 1;
      v[j] = w[i] - beta * i - (gamma * i * i) / 2;
    }
    return [beta, gamma];
  };
  const join = (coefficients: Float64Array, v: Float64Array, out: Float64Array) => {
    const beta = coefficients[m];
    const gamma = coefficients[m + 1];
    for (let i = 0; i < n; i++) out[i] = v[Math.min(Math.max(i - 1, 0), m - 1)] + beta * i + (gamma * i * i) / 2;
  };
  return {
    m,
    eigen,
    /** L1 s = 1 = sqrt(m) R q_0. */
    kappa: Math.sqrt(m),
    analyse(w1: Float64Array, w2: Float64Array | undefined, out1: Float64Array, out2: Float64Array | undefined) {
      const [b1, g1] = split(w1, v1);
      const [b2, g2] = w2 ? split(w2, v2) : [0, 0];
      plan.forward(v1, w2 ? v2 : undefined, x1, w2 ? x2 : undefined);
      out1.set(x1);
      out1[m] = b1;
      out1[m + 1] = g1;
      if (out2) {
        out2.set(x2);
        out2[m] = b2;
        out2[m + 1] = g2;
      }
    },
    synthesise(c1: Float64Array, c2: Float64Array | undefined, out1: Float64Array, out2: Float64Array | undefined) {
      plan.inverse(c1, c2, v1, c2 ? v2 : undefined);
      join(c1, v1, out1);
      if (c2 && out2) join(c2, v2, out2);
    },
  };
}

type AxisBasis = ReturnType<typeof axisBasis>;
type AxisMap = (
  a: Float64Array,
  b: Float64Array | undefined,
  outA: Float64Array,
  outB: Float64Array | undefined,
) => void;

/** Applies a per-axis map to every row (along x), then every column (along y), two at a time. */
function separable(data: Float64Array, width: number, height: number, alongX: AxisMap, alongY: AxisMap): void {
  const pass = (count: number, length: number, lineStride: number, step: number, map: AxisMap) => {
    const a = new Float64Array(length);
    const b = new Float64Array(length);
    const outA = new Float64Array(length);
    const outB = new Float64Array(length);
    for (let line = 0; line < count; line += 2) {
      const pair = line + 1 < count;
      const baseA = line * lineStride;
      const baseB = baseA + lineStride;
      for (let i = 0; i < length; i++) a[i] = data[baseA + i * step];
      if (pair) for (let i = 0; i < length; i++) b[i] = data[baseB + i * step];
      map(a, pair ? b : undefined, outA, pair ? outB : undefined);
      for (let i = 0; i < length; i++) data[baseA + i * step] = outA[i];
      if (pair) for (let i = 0; i < length; i++) data[baseB + i * step] = outB[i];
    }
  };
  pass(height, width, width, 1, alongX);
  pass(width, height, 1, width, alongY);
}

/** Solves the stencil equations in the coefficient basis (d: coefficients of the Laplacian, rows = y). */
function solveCoefficients(d: Float64Array, bx: AxisBasis, by: AxisBasis, sxx: number, syy: number): Float64Array {
  const width = bx.m + 2;
  const height = by.m + 2;
  const P = { x: bx.m, y: by.m };
  const S = { x: bx.m + 1, y: by.m + 1 };
  const at = (a: number, b: number) => a * width + b;
  const c = new Float64Array(d.length);
  // Both indices away from e_0: the operator is diagonal (zero only when both are p or s).
  for (let a = 1; a < height; a++) {
    for (let b = 1; b < width; b++) {
      const den = syy * by.eigen[a] + sxx * bx.eigen[b];
      if (den !== 0) c[at(a, b)] = d[at(a, b)] / den;
    }
  }
  const ky = syy * by.kappa;
  const kx = sxx * bx.kappa;
  // a = e_0: the y-part of s (x) b lands on e_0 (x) b.
  for (let b = 1; b < bx.m; b++) c[at(0, b)] = (d[at(0, b)] - ky * c[at(S.y, b)]) / (sxx * bx.eigen[b]);
  c[at(S.y, P.x)] = d[at(0, P.x)] / ky;
  // b = e_0: the x-part of a (x) s lands on a (x) e_0.
  for (let a = 1; a < by.m; a++) c[at(a, 0)] = (d[at(a, 0)] - kx * c[at(a, S.x)]) / (syy * by.eigen[a]);
  c[at(P.y, S.x)] = d[at(P.y, 0)] / kx;
  // s (x) s is fixed twice (they agree for data in the stencil's range).
  c[at(S.y, S.x)] = (d[at(0, S.x)] / ky + d[at(S.y, 0)] / kx) / 2;
  // e_0 (x) e_0 gets ky c[s, e_0] + kx c[e_0, s]: any split solves it (the difference is null).
  const norm = ky * ky + kx * kx;
  c[at(S.y, 0)] = (ky * d[at(0, 0)]) / norm;
  c[at(0, S.x)] = (kx * d[at(0, 0)]) / norm;
  // Left at zero: the null space 1 (e_0 e_0), x (e_0 p), y (p e_0), xy (p p).
  return c;
}

/**
 * The left null space of the 5-point stencil (5 planes): a Laplacian of an image is orthogonal
 * to them. Per axis, t0 = delta_0 - delta_1 and t1 = delta_{n-1} - delta_{n-2} annihilate the
 * range (the border rows repeat their neighbours'); l = t0 + t1 and z = (0, 1, ..., 1, 0)
 * (L1^T z = l) give the fifth, syy l (x) z - sxx z (x) l.
 */
function laplacianLeftNullSpace(width: number, height: number): Float64Array[] {
  return cached(`left ${width}x${height}`, () => makeLeftNullSpace(width, height));
}

function makeLeftNullSpace(width: number, height: number): Float64Array[] {
  const sxx = pixelsPerUnit(width) ** 2;
  const syy = pixelsPerUnit(height) ** 2;
  const axis = (n: number) => {
    const t0 = new Float64Array(n);
    t0[0] = 1;
    t0[1] = -1;
    const t1 = new Float64Array(n);
    t1[n - 1] = 1;
    t1[n - 2] = -1;
    const l = t0.map((v, i) => v + t1[i]);
    const z = Float64Array.from({ length: n }, (_, i) => (i === 0 || i === n - 1 ? 0 : 1));
    return { t0, t1, l, z };
  };
  const x = axis(width);
  const y = axis(height);
  const outer = (ay: Float64Array, bx: Float64Array, k = 1) => {
    const out = new Float64Array(width * height);
    for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) out[r * width + c] = k * ay[r] * bx[c];
    return out;
  };
  const fifth = outer(y.l, x.z, syy);
  const second = outer(y.z, x.l, sxx);
  for (let i = 0; i < fifth.length; i++) fifth[i] -= second[i];
  return [outer(y.t0, x.t0), outer(y.t0, x.t1), outer(y.t1, x.t0), outer(y.t1, x.t1), fifth];
}

/** v minus its least-squares projection onto span(basis), in place. */
function removeProjection(v: Float64Array, basis: Float64Array[]): void {
  const coefficients = leastSquares(basis, v);
  for (let j = 0; j < basis.length; j++) {
    const cj = coefficients[j];
    if (cj !== 0) for (let i = 0; i < v.length; i++) v[i] -= cj * basis[j][i];
  }
}

/**
 * The least-squares image for a 5-point Laplacian (calculus.ts's stencil, [-1, 1] units), the one
 * orthogonal to the stencil's null space (`laplacianNullSpace`): the Laplacian is first projected
 * onto the stencil's range (what float32 rounding moved out of it), then solved exactly. For a
 * Laplacian computed from an image, the result differs from the image by a null-space component
 * and round-off. `residual` is the relative mismatch of its own Laplacian with the given one.
 */
export function solveFromLaplacian(
  laplacian: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
): PoissonSolution {
  checkShape(laplacian, width, height, channels, 3);
  const sx = pixelsPerUnit(width);
  const sy = pixelsPerUnit(height);
  const bx = axisBasis(width);
  const by = height === width ? bx : axisBasis(height);
  const left = laplacianLeftNullSpace(width, height);
  const nullSpace = laplacianNullSpace(width, height);
  const n = width * height;
  const values = new Float32Array(n * channels);
  let worst = 0;
  for (let ch = 0; ch < channels; ch++) {
    const target = plane(laplacian, channels, ch, n);
    const d = Float64Array.from(target);
    removeProjection(d, left);
    separable(d, width, height, bx.analyse, by.analyse);
    const u = solveCoefficients(d, bx, by, sx * sx, sy * sy);
    separable(u, width, height, bx.synthesise, by.synthesise);
    removeProjection(u, nullSpace);
    for (let i = 0; i < n; i++) values[i * channels + ch] = u[i];
    worst = Math.max(worst, relativeMismatch(laplacianOf(u, width, height), target));
  }
  return { values, iterations: 0, residual: worst };
}

function relativeMismatch(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] * b[i];
  }
  return den > 0 ? Math.sqrt(num / den) : Math.sqrt(num);
}

/** calculus.ts's 5-point Laplacian of one float64 plane (the solver's own check). */
function laplacianOf(u: Float64Array, width: number, height: number): Float64Array {
  const sxx = pixelsPerUnit(width) ** 2;
  const syy = pixelsPerUnit(height) ** 2;
  const out = new Float64Array(u.length);
  for (let r = 0; r < height; r++) {
    const rr = Math.min(Math.max(r, 1), height - 2);
    for (let c = 0; c < width; c++) {
      const cc = Math.min(Math.max(c, 1), width - 2);
      const row = r * width;
      const ddx = u[row + cc - 1] - 2 * u[row + cc] + u[row + cc + 1];
      const ddy = u[(rr - 1) * width + c] - 2 * u[rr * width + c] + u[(rr + 1) * width + c];
      out[row + c] = sxx * ddx + syy * ddy;
    }
  }
  return out;
}

/**
 * The null space of the 5-point stencil on a width x height grid, one plane each: 1, x, y, xy
 * and sxx y^2 - syy x^2 (pixel indices, centred and scaled to about [-1, 1] for conditioning).
 */
export function laplacianNullSpace(width: number, height: number): Float64Array[] {
  return cached(`null ${width}x${height}`, () => makeNullSpace(width, height));
}

const cache = new Map<string, Float64Array[]>();

/** Keeps the last few bases (they are read-only for the callers). */
function cached(key: string, make: () => Float64Array[]): Float64Array[] {
  let value = cache.get(key);
  if (!value) {
    value = make();
    if (cache.size > 8) cache.delete(cache.keys().next().value as string);
    cache.set(key, value);
  }
  return value;
}

function makeNullSpace(width: number, height: number): Float64Array[] {
  const sxx = pixelsPerUnit(width) ** 2;
  const syy = pixelsPerUnit(height) ** 2;
  const make = (f: (x: number, y: number) => number) => {
    const out = new Float64Array(width * height);
    for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) out[r * width + c] = f(c, r);
    return out;
  };
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  // Any quadratic with these second differences works; centring keeps the basis well conditioned.
  return [
    make(() => 1),
    make((x) => (x - cx) / Math.max(cx, 1)),
    make((_, y) => (y - cy) / Math.max(cy, 1)),
    make((x, y) => ((x - cx) * (y - cy)) / Math.max(cx * cy, 1)),
    make((x, y) => (sxx * (y - cy) ** 2 - syy * (x - cx) ** 2) / Math.max(sxx * cy * cy + syy * cx * cx, 1)),
  ];
}

/**
 * Least-squares fit, per channel, of target ~ a * values + sum_j c_j basis_j: what is left of
 * the target that the supervision could have determined (basis: the null space the supervision
 * leaves free; [ones] for the gradient). `scale: false` fixes a = 1.
 */
export function fitWithNullSpace(
  values: ArrayLike<number>,
  target: ArrayLike<number>,
  channels: number,
  basis: Float64Array[],
  options: { scale?: boolean } = {},
): Float32Array {
  const n = values.length / channels;
  const out = new Float32Array(values.length);
  const scale = options.scale ?? true;
  for (let ch = 0; ch < channels; ch++) {
    const u = plane(values, channels, ch, n);
    const t = plane(target, channels, ch, n);
    const columns = scale ? [u, ...basis] : basis;
    const rhs = scale ? t : t.map((v, i) => v - u[i]);
    const coefficients = leastSquares(columns, rhs);
    for (let i = 0; i < n; i++) {
      let v = scale ? 0 : u[i];
      for (let j = 0; j < columns.length; j++) v += coefficients[j] * columns[j][i];
      out[i * channels + ch] = v;
    }
  }
  return out;
}

/** Small dense least squares by the normal equations and Gaussian elimination with pivoting (a zero column gets 0). */
function leastSquares(columns: Float64Array[], rhs: Float64Array): Float64Array {
  const k = columns.length;
  const a = Array.from({ length: k }, (_, i) => {
    const row = new Float64Array(k + 1);
    for (let j = 0; j < k; j++) row[j] = dot(columns[i], columns[j]);
    row[k] = dot(columns[i], rhs);
    return row;
  });
  const x = new Float64Array(k);
  const scale = Math.max(1e-300, ...a.map((row, i) => row[i]));
  const used = new Array<boolean>(k).fill(false);
  const pivotOf = new Int32Array(k).fill(-1);
  for (let col = 0; col < k; col++) {
    let best = -1;
    for (let r = 0; r < k; r++) {
      if (!used[r] && (best < 0 || Math.abs(a[r][col]) > Math.abs(a[best][col]))) best = r;
    }
    if (best < 0 || Math.abs(a[best][col]) <= 1e-13 * scale) continue; // dependent column: coefficient 0
    used[best] = true;
    pivotOf[col] = best;
    for (let r = 0; r < k; r++) {
      if (r === best) continue;
      const f = a[r][col] / a[best][col];
      if (f !== 0) for (let j = col; j <= k; j++) a[r][j] -= f * a[best][j];
    }
  }
  for (let col = 0; col < k; col++) if (pivotOf[col] >= 0) x[col] = a[pivotOf[col]][k] / a[pivotOf[col]][col];
  return x;
}
