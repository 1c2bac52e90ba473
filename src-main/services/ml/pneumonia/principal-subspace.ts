/**
 * Principal components of a set of feature vectors (rows), without a linear-algebra library:
 * subspace iteration on the centred data (only X Q and X^T Y products, so the cost grows
 * linearly with the number of rows), then Rayleigh-Ritz with a Jacobi eigen-decomposition of
 * the small projected covariance.
 */
export interface PrincipalSubspace {
  mean: Float64Array;
  /** k unit vectors of the feature size, by decreasing variance. */
  components: Float64Array[];
  /** The variance along each component (sample variance, n - 1). */
  variances: number[];
  /** The variance summed over every dimension. */
  totalVariance: number;
}

const OVERSAMPLING = 10;
const ITERATIONS = 30;

export function fitPrincipalSubspace(rows: readonly ArrayLike<number>[], k: number): PrincipalSubspace {
  const n = rows.length;
  const d = rows[0]?.length ?? 0;
  if (n < 2 || d === 0) throw new Error('Principal components need at least two feature vectors.');
  if (k < 1 || k > Math.min(n - 1, d)) throw new Error(`Cannot fit ${k} components to ${n} vectors of size ${d}.`);
  const mean = new Float64Array(d);
  for (const row of rows) for (let j = 0; j < d; j++) mean[j]! += row[j]! / n;
  const centred = rows.map((row) => Float64Array.from({ length: d }, (_, j) => row[j]! - mean[j]!));
  const totalVariance = centred.reduce((sum, row) => sum + dot(row, row), 0) / (n - 1);
  const width = Math.min(k + OVERSAMPLING, n, d);
  let basis = orthonormalised(gaussianColumns(d, width));
  for (let iteration = 0; iteration < ITERATIONS; iteration++) basis = orthonormalised(covarianceTimes(centred, basis));
  // Rayleigh-Ritz: the covariance projected on the basis, diagonalised.
  const projected = basis.map(() => new Float64Array(n));
  centred.forEach((row, i) => basis.forEach((q, c) => (projected[c]![i] = dot(row, q))));
  const small = new Float64Array(width * width);
  for (let a = 0; a < width; a++) for (let b = a; b < width; b++) small[a * width + b] = small[b * width + a] = dot(projected[a]!, projected[b]!) / (n - 1);
  const { values, vectors } = symmetricEigen(small, width);
  const components = Array.from({ length: k }, (_, c) => {
    const v = new Float64Array(d);
    basis.forEach((q, b) => axpy(vectors[b * width + c]!, q, v));
    return normalised(v);
  });
  return { mean, components, variances: values.slice(0, k), totalVariance };
}

/**
 * Eigenvalues (descending) and eigenvectors (column c of the row-major n x n `vectors`) of a
 * symmetric matrix, by cyclic Jacobi rotations: slow for large n, exact to rounding for the
 * small projected matrices used here.
 */
export function symmetricEigen(matrix: Float64Array, n: number): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y * n + y]! - a[x * n + x]!);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    for (let k = 0; k < n; k++) vectors[k * n + to] = v[k * n + from]!;
  });
  return { values: order.map((i) => a[i * n + i]!), vectors };
}

/** (X^T X) Q for centred rows X, column by column of Q; the 1 / (n - 1) scale does not change the span. */
function covarianceTimes(centred: readonly Float64Array[], basis: readonly Float64Array[]): Float64Array[] {
  const out = basis.map((q) => new Float64Array(q.length));
  for (const row of centred) basis.forEach((q, c) => axpy(dot(row, q), row, out[c]!));
  return out;
}

/** Modified Gram-Schmidt, twice for accuracy; a column that vanishes is replaced by a fresh direction. */
function orthonormalised(columns: Float64Array[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (const column of columns) {
    let v: Float64Array = Float64Array.from(column);
    for (let pass = 0; pass < 2; pass++) for (const u of out) axpy(-dot(u, v), u, v);
    if (Math.sqrt(dot(v, v)) < 1e-12) {
      v = gaussianColumns(v.length, 1, out.length + 1)[0]!;
      for (let pass = 0; pass < 2; pass++) for (const u of out) axpy(-dot(u, v), u, v);
    }
    out.push(normalised(v));
  }
  return out;
}

/** Deterministic Gaussian start vectors (a fixed-seed LCG and Box-Muller), so a fit is repeatable. */
function gaussianColumns(size: number, count: number, seed = 0): Float64Array[] {
  let state = (0x9e3779b9 ^ seed) >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
  return Array.from({ length: count }, () =>
    Float64Array.from({ length: size }, () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())),
  );
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function axpy(alpha: number, x: ArrayLike<number>, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i]! += alpha * x[i]!;
}

function normalised(v: Float64Array): Float64Array {
  const norm = Math.sqrt(dot(v, v));
  return norm === 0 ? v : v.map((x) => x / norm);
}
