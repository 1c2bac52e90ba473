import type { FeatureReferenceSummary } from '@shared/ipc/pneumonia-contract';
import { dot, fitPrincipalSubspace, type PrincipalSubspace } from './principal-subspace';

/**
 * What the model's training images look like to its backbone, to tell an unusual image (a
 * picture of something else, another population, a rotated or inverted film) from the
 * training population. Two statistics of an image's pooled feature vector x:
 * - Mahalanobis distance inside the top-k principal subspace: unusual along the directions the
 *   training images vary in;
 * - the residual norm, |x - mean| outside that subspace: unusual in a direction they never
 *   vary in (the stronger test for other populations; see the performance notes).
 * Each is divided by its cut-off; `featureDistance` is the larger ratio, above 1 = unusual.
 */
export interface FeatureReference {
  mean: Float32Array;
  /** k unit vectors of the feature size, by decreasing variance. */
  components: Float32Array[];
  variances: Float32Array;
  cutoffs: { mahalanobis: number; residual: number };
  /** The held-out percentile the cut-offs sit at. */
  percentile: number;
  summary: FeatureReferenceSummary;
}

export interface FeatureStatistics {
  mahalanobis: number;
  residual: number;
}

/** Fixed before looking at any result: k reaches this share of the variance, within [16, 32]... */
export const COMPONENT_VARIANCE_SHARE = 0.8;
export const MIN_COMPONENTS = 16;
export const MAX_COMPONENTS = 32;
/** ...and never exceeds a quarter of the fitting images (at least four images per estimated variance). */
const IMAGES_PER_COMPONENT = 4;
export const CUTOFF_PERCENTILE = 99;
export const OUT_OF_FOLD_FOLDS = 4;

export function featureStatistics(reference: Pick<FeatureReference, 'mean' | 'components' | 'variances'>, features: ArrayLike<number>): FeatureStatistics {
  const centred = Float64Array.from(reference.mean, (m, j) => features[j]! - m);
  let mahalanobis = 0;
  let inside = 0;
  reference.components.forEach((component, c) => {
    const z = dot(component, centred);
    mahalanobis += (z * z) / Math.max(reference.variances[c]!, 1e-12);
    inside += z * z;
  });
  return { mahalanobis: Math.sqrt(mahalanobis), residual: Math.sqrt(Math.max(0, dot(centred, centred) - inside)) };
}

export function distanceOf(statistics: FeatureStatistics, cutoffs: FeatureReference['cutoffs']): number {
  return Math.max(statistics.mahalanobis / cutoffs.mahalanobis, statistics.residual / cutoffs.residual);
}

/** The image's distance from the training population over the cut-off: above 1 is an unusual image. */
export function featureDistance(reference: FeatureReference, features: ArrayLike<number>): number {
  return distanceOf(featureStatistics(reference, features), reference.cutoffs);
}

export interface ReferenceFitInput {
  /** Pooled features of the training images, with each image's patient (so a patient's images share a fold). */
  train: { features: readonly Float32Array[]; groups: readonly string[] };
  /** Pooled features of the validation images: held out from the fit. */
  val: readonly Float32Array[];
  /** What the features are and what the images were, for the summary (`pooled out_relu features of 508 training images`). */
  describe: { method: string; fittedOn: string; cutoffSetOn: string };
}

/**
 * Fits the reference on the training images and sets the cut-offs on in-population images the
 * fit never saw: the validation images (scored by the full fit) and every training image scored
 * out of fold (fit on the other folds' patients). Many held-out images make the 99th percentile
 * stable; the out-of-fold fits use 3/4 of the images, so their distances, and so the cut-offs,
 * lean slightly high (fewer false alarms).
 */
export function fitFeatureReference(input: ReferenceFitInput): FeatureReference {
  const { features, groups } = input.train;
  const largest = Math.max(1, Math.min(MAX_COMPONENTS, features.length - 1, Math.floor(features.length / IMAGES_PER_COMPONENT), features[0]?.length ?? 0));
  const full = fitPrincipalSubspace(features, largest);
  const k = componentCount(full);
  const reference = truncated(full, k);
  const heldOut = input.val.map((x) => featureStatistics(reference, x));
  for (const fold of patientFolds(groups, OUT_OF_FOLD_FOLDS)) {
    const fitted = features.filter((_, i) => !fold.has(i));
    if (fitted.length < 2) continue;
    const foldReference = truncated(fitPrincipalSubspace(fitted, Math.min(k, fitted.length - 1)), Math.min(k, fitted.length - 1));
    for (const i of fold) heldOut.push(featureStatistics(foldReference, features[i]!));
  }
  if (heldOut.length === 0) throw new Error('The feature reference needs held-out images to set its cut-off.');
  const cutoffs = {
    // Never zero (a tiny training set can sit exactly in its subspace): a ratio needs a divisor.
    mahalanobis: Math.max(1e-9, percentile(heldOut.map((s) => s.mahalanobis), CUTOFF_PERCENTILE)),
    residual: Math.max(1e-9, percentile(heldOut.map((s) => s.residual), CUTOFF_PERCENTILE)),
  };
  const unusual = heldOut.filter((s) => distanceOf(s, cutoffs) > 1).length;
  return {
    ...reference,
    cutoffs,
    percentile: CUTOFF_PERCENTILE,
    summary: {
      file: 'feature-reference.json',
      method: `${input.describe.method}: Mahalanobis distance in the top ${k} principal components and the residual norm outside them, each over its ${CUTOFF_PERCENTILE}th-percentile cut-off`,
      fittedOn: input.describe.fittedOn,
      cutoffSetOn: input.describe.cutoffSetOn,
      heldOutUnusualRate: unusual / heldOut.length,
    },
  };
}

/** The stated rule: the fewest components that reach COMPONENT_VARIANCE_SHARE, clamped to [MIN, MAX] and to what was fitted. */
export function componentCount(subspace: PrincipalSubspace): number {
  let k = 0;
  let explained = 0;
  while (k < subspace.variances.length && explained < COMPONENT_VARIANCE_SHARE * subspace.totalVariance) explained += subspace.variances[k++]!;
  return Math.min(subspace.variances.length, Math.max(MIN_COMPONENTS, Math.min(MAX_COMPONENTS, k)));
}

function truncated(subspace: PrincipalSubspace, k: number): Pick<FeatureReference, 'mean' | 'components' | 'variances'> {
  return {
    mean: Float32Array.from(subspace.mean),
    components: subspace.components.slice(0, k).map((c) => Float32Array.from(c)),
    variances: Float32Array.from(subspace.variances.slice(0, k)),
  };
}

/** Image indices in `folds` groups, whole patients per fold, assigned by a hash of the patient (stable across runs). */
export function patientFolds(groups: readonly string[], folds: number): Set<number>[] {
  const patients = [...new Set(groups)].sort((a, b) => hash(a) - hash(b) || a.localeCompare(b));
  const count = Math.min(folds, patients.length);
  if (count < 2) return [];
  const foldOf = new Map(patients.map((p, i) => [p, i % count]));
  const out = Array.from({ length: count }, () => new Set<number>());
  groups.forEach((g, i) => out[foldOf.get(g)!]!.add(i));
  return out;
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Linear interpolation between order statistics (the usual "type 7" percentile). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (p / 100) * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.min(sorted.length - 1, low + 1);
  return sorted[low]! + (position - low) * (sorted[high]! - sorted[low]!);
}
