import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  featureDistance,
  featureStatistics,
  fitFeatureReference,
  patientFolds,
  percentile,
  type FeatureReference,
} from '../../../../src-main/services/ml/pneumonia/feature-reference';
import { FEATURE_REFERENCE_FILE, readFeatureReference, writeFeatureReference } from '../../../../src-main/services/ml/pneumonia/feature-reference-file';
import { fitPrincipalSubspace, symmetricEigen } from '../../../../src-main/services/ml/pneumonia/principal-subspace';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cxr-reference-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A fixed-seed normal generator, so the constructed cases are the same every run. */
function gaussian(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

const D = 64;
const unit = (i: number) => Float64Array.from({ length: D }, (_, j) => (j === i ? 1 : 0));
// The plane: spanned by u and v (orthonormal, not axis-aligned), through m.
const u = Float64Array.from({ length: D }, (_, j) => (j < 4 ? 0.5 : 0));
const v = Float64Array.from({ length: D }, (_, j) => (j === 4 ? 0.6 : j === 5 ? 0.8 : 0));
const m = Float64Array.from({ length: D }, (_, j) => j / 10);
const w = unit(40);
const onPlane = (a: number, b: number, off = 0, noise: () => number = () => 0) => Float32Array.from({ length: D }, (_, j) => m[j]! + a * u[j]! + b * v[j]! + off * w[j]! + noise());

describe('symmetric eigen-decomposition', () => {
  it('gives the eigenvalues and eigenvectors of a known matrix', () => {
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 0, 1, 2, 0, 0, 0, 5]), 3);
    expect(values.map((x) => Number(x.toFixed(10)))).toEqual([5, 3, 1]);
    const column = (c: number) => [0, 1, 2].map((r) => vectors[r * 3 + c]!);
    expect(column(0).map(Math.abs)).toEqual([0, 0, 1]);
    expect(Math.abs(column(1)[0]! * column(1)[1]!)).toBeCloseTo(0.5, 10);
    expect(column(2)[0]! + column(2)[1]!).toBeCloseTo(0, 10);
  });
});

describe('principal subspace', () => {
  it('recovers a plane: its directions, the variances along them, and nothing outside it', () => {
    const g = gaussian(7);
    const coords = Array.from({ length: 200 }, () => [3 * g(), g()] as const);
    const points = coords.map(([a, b]) => onPlane(a, b));
    const fit = fitPrincipalSubspace(points, 2);
    // Sample variances of the coordinates (with their covariance: the plane's 2x2 covariance).
    const mean = (f: (c: readonly [number, number]) => number) => coords.reduce((s, c) => s + f(c), 0) / coords.length;
    const [ma, mb] = [mean((c) => c[0]), mean((c) => c[1])];
    const cov = (f: (c: readonly [number, number]) => number) => coords.reduce((s, c) => s + f(c), 0) / (coords.length - 1);
    const [saa, sbb, sab] = [cov((c) => (c[0] - ma) ** 2), cov((c) => (c[1] - mb) ** 2), cov((c) => (c[0] - ma) * (c[1] - mb))];
    const root = Math.sqrt(((saa - sbb) / 2) ** 2 + sab ** 2);
    // The points are float32 (as features are): agreement to float32 rounding.
    expect(fit.variances[0]).toBeCloseTo((saa + sbb) / 2 + root, 6);
    expect(fit.variances[1]).toBeCloseTo((saa + sbb) / 2 - root, 6);
    expect(fit.totalVariance).toBeCloseTo(saa + sbb, 6);
    // Both components lie in the plane, unit length and orthogonal.
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);
    for (const c of fit.components) {
      expect(dot(c, u) ** 2 + dot(c, v) ** 2).toBeCloseTo(1, 10);
      expect(dot(c, c)).toBeCloseTo(1, 10);
    }
    expect(dot(fit.components[0]!, fit.components[1]!)).toBeCloseTo(0, 10);
    // A point off the plane by 2.5 along w: residual 2.5; on the plane: residual 0.
    const reference = { mean: Float32Array.from(fit.mean), components: fit.components.map((c) => Float32Array.from(c)), variances: Float32Array.from(fit.variances) };
    expect(featureStatistics(reference, onPlane(1, 1, 2.5)).residual).toBeCloseTo(2.5, 4);
    expect(featureStatistics(reference, onPlane(1, 1)).residual).toBeCloseTo(0, 4);
  });

  it('refuses more components than the data can give', () => {
    expect(() => fitPrincipalSubspace([onPlane(1, 0), onPlane(0, 1)], 2)).toThrow(/Cannot fit 2 components to 2 vectors/);
  });
});

describe('feature reference', () => {
  const g = gaussian(11);
  const noise = () => 0.01 * g();
  const sample = (n: number) => Array.from({ length: n }, () => onPlane(3 * g(), g(), 0, noise));
  const train = sample(240);
  const reference = fitFeatureReference({
    train: { features: train, groups: train.map((_, i) => `patient-${Math.floor(i / 2)}`) },
    val: sample(60),
    describe: { method: 'test features', fittedOn: '240 plane points', cutoffSetOn: '60 + 240 out of fold' },
  });

  it('flags points off the fitted subspace by their residual, and far points along it by Mahalanobis distance', () => {
    expect(reference.components).toHaveLength(16);
    expect(reference.summary.method).toMatch(/top 16 principal components/);
    expect(reference.summary.heldOutUnusualRate).toBeGreaterThan(0);
    expect(reference.summary.heldOutUnusualRate).toBeLessThanOrEqual(0.03);
    // New points from the same population: mostly within the cut-offs (set for about 1-2 % each).
    const fresh = sample(400);
    expect(fresh.filter((x) => featureDistance(reference, x) > 1).length / fresh.length).toBeLessThan(0.08);
    const off = onPlane(0.5, 0.5, 1, noise);
    const stats = featureStatistics(reference, off);
    expect(stats.residual / reference.cutoffs.residual).toBeGreaterThan(3);
    expect(featureDistance(reference, off)).toBeGreaterThan(3);
    const far = onPlane(60, 0, 0, noise);
    expect(featureStatistics(reference, far).mahalanobis / reference.cutoffs.mahalanobis).toBeGreaterThan(3);
    expect(featureStatistics(reference, far).residual / reference.cutoffs.residual).toBeLessThan(1.5);
  });

  it('round-trips through feature-reference.json exactly, and refuses a damaged file', () => {
    const dir = path.join(tmp, 'round-trip');
    mkdirSync(dir);
    expect(readFeatureReference(dir)).toBeNull();
    writeFeatureReference(reference, dir);
    const back = readFeatureReference(dir) as FeatureReference;
    expect(back.mean).toEqual(reference.mean);
    expect(back.components).toEqual(reference.components);
    expect(back.variances).toEqual(reference.variances);
    expect(back.cutoffs).toEqual(reference.cutoffs);
    expect(back.summary).toEqual(reference.summary);
    const probe = onPlane(2, -1, 0.3);
    expect(featureDistance(back, probe)).toBe(featureDistance(reference, probe));
    writeFileSync(path.join(dir, FEATURE_REFERENCE_FILE), JSON.stringify({ format: 'cxr-triage-feature-reference', formatVersion: 1 }));
    expect(() => readFeatureReference(dir)).toThrow();
  });
});

describe('out-of-fold folds and percentiles', () => {
  it('keeps a patient in one fold and uses every image once', () => {
    const groups = ['a', 'a', 'b', 'c', 'c', 'c', 'd', 'e', 'f', 'g'];
    const folds = patientFolds(groups, 4);
    expect(folds).toHaveLength(4);
    expect(folds.reduce((n, f) => n + f.size, 0)).toBe(groups.length);
    for (const fold of folds) for (const i of fold) for (let j = 0; j < groups.length; j++) if (groups[j] === groups[i]) expect(fold.has(j)).toBe(true);
    expect(patientFolds(['only', 'only'], 4)).toEqual([]);
  });

  it('interpolates between order statistics', () => {
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5], 99)).toBeCloseTo(4.96, 10);
    expect(percentile([7], 99)).toBe(7);
  });
});
