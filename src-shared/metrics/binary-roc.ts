/**
 * ROC analysis for a binary classifier (positive = pneumonia). A point holds the confusion counts
 * at its threshold, so sensitivity, specificity, PPV and NPV at any operating point are exact.
 * A case is called positive when its score is at or above the threshold.
 */
export interface RocPoint {
  threshold: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface OperatingPoint extends RocPoint {
  sensitivity: number;
  specificity: number;
  /** Positive predictive value; null when nothing is called positive. */
  ppv: number | null;
  /** Negative predictive value; null when nothing is called negative. */
  npv: number | null;
}

export function confusionAt(scores: readonly number[], labels: readonly (0 | 1)[], threshold: number): RocPoint {
  if (scores.length !== labels.length) throw new Error('scores and labels differ in length');
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const called = scores[i]! >= threshold;
    if (labels[i] === 1) called ? tp++ : fn++;
    else called ? fp++ : tn++;
  }
  return { threshold, tp, fp, tn, fn };
}

export function describePoint(point: RocPoint): OperatingPoint {
  const { tp, fp, tn, fn } = point;
  return {
    ...point,
    sensitivity: tp + fn === 0 ? 0 : tp / (tp + fn),
    specificity: tn + fp === 0 ? 0 : tn / (tn + fp),
    ppv: tp + fp === 0 ? null : tp / (tp + fp),
    npv: tn + fn === 0 ? null : tn / (tn + fn),
  };
}

/**
 * Every distinct operating point, from the strictest threshold (one above every score: nothing
 * flagged; finite, so the curve survives JSON) to the most lenient (the lowest score: everything
 * flagged).
 */
export function rocCurve(scores: readonly number[], labels: readonly (0 | 1)[]): RocPoint[] {
  if (scores.length !== labels.length) throw new Error('scores and labels differ in length');
  const order = scores.map((score, i) => ({ score, positive: labels[i] === 1 })).sort((a, b) => b.score - a.score);
  const positives = order.filter((c) => c.positive).length;
  const negatives = order.length - positives;
  const above = (order[0]?.score ?? 0) + 1;
  const points: RocPoint[] = [{ threshold: above, tp: 0, fp: 0, tn: negatives, fn: positives }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; ) {
    const threshold = order[i]!.score;
    for (; i < order.length && order[i]!.score === threshold; i++) order[i]!.positive ? tp++ : fp++;
    points.push({ threshold, tp, fp, tn: negatives - fp, fn: positives - tp });
  }
  return points;
}

/** Area under the ROC curve by the trapezoid rule (ties count half, as the Mann-Whitney U does). */
export function rocAuc(points: readonly RocPoint[]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    const a = describePoint(points[i - 1]!);
    const b = describePoint(points[i]!);
    area += (1 - b.specificity - (1 - a.specificity)) * ((a.sensitivity + b.sensitivity) / 2);
  }
  return area;
}

/** The operating point in force at `threshold`: the curve's point with the lowest threshold at or above it. */
export function pointAt(points: readonly RocPoint[], threshold: number): RocPoint {
  let chosen = points[0]!;
  for (const point of points) if (point.threshold >= threshold) chosen = point;
  return { ...chosen, threshold };
}

/** Youden's J: the threshold that maximises sensitivity + specificity - 1. */
export function youdenThreshold(points: readonly RocPoint[]): number {
  let best = points[0]!;
  let bestJ = -Infinity;
  for (const point of points.slice(1)) {
    const { sensitivity, specificity } = describePoint(point);
    const j = sensitivity + specificity - 1;
    if (j > bestJ) {
      bestJ = j;
      best = point;
    }
  }
  return best.threshold;
}

/** The highest threshold whose sensitivity meets the target, i.e. the fewest flags that reach it; null if none does. */
export function thresholdForSensitivity(points: readonly RocPoint[], target: number): number | null {
  for (const point of points.slice(1)) {
    if (describePoint(point).sensitivity >= target) return point.threshold;
  }
  return null;
}
