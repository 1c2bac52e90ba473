import { describe, expect, it } from 'vitest';
import {
  confusionAt,
  describePoint,
  pointAt,
  rocAuc,
  rocCurve,
  thresholdForSensitivity,
  youdenThreshold,
} from '@shared/metrics/binary-roc';

// Six cases worked by hand: positives score 0.9, 0.8, 0.4; negatives 0.7, 0.3, 0.1.
const scores = [0.9, 0.8, 0.7, 0.4, 0.3, 0.1];
const labels: (0 | 1)[] = [1, 1, 0, 1, 0, 0];

describe('binary ROC math', () => {
  it('counts the confusion matrix at a threshold (at or above is positive)', () => {
    expect(confusionAt(scores, labels, 0.4)).toEqual({ threshold: 0.4, tp: 3, fp: 1, tn: 2, fn: 0 });
    expect(confusionAt(scores, labels, 0.75)).toEqual({ threshold: 0.75, tp: 2, fp: 0, tn: 3, fn: 1 });
  });

  it('derives sensitivity, specificity, PPV and NPV', () => {
    const p = describePoint(confusionAt(scores, labels, 0.7));
    expect(p.sensitivity).toBeCloseTo(2 / 3);
    expect(p.specificity).toBeCloseTo(2 / 3);
    expect(p.ppv).toBeCloseTo(2 / 3);
    expect(p.npv).toBeCloseTo(2 / 3);
    expect(describePoint(confusionAt(scores, labels, 0.95)).ppv).toBeNull();
  });

  it('builds the curve from nothing flagged to everything flagged, and its AUC', () => {
    const curve = rocCurve(scores, labels);
    expect(curve.map((p) => [p.tp, p.fp])).toEqual([[0, 0], [1, 0], [2, 0], [2, 1], [3, 1], [3, 2], [3, 3]]);
    // Of the 9 positive/negative pairs, 8 are ranked correctly.
    expect(rocAuc(curve)).toBeCloseTo(8 / 9);
  });

  it('counts tied scores as half a correct ranking', () => {
    expect(rocAuc(rocCurve([0.5, 0.5], [1, 0]))).toBeCloseTo(0.5);
  });

  it('finds the operating point in force at any threshold', () => {
    const curve = rocCurve(scores, labels);
    expect(pointAt(curve, 0.75)).toMatchObject({ tp: 2, fp: 0 });
    expect(pointAt(curve, 0.3)).toMatchObject({ tp: 3, fp: 2 });
    expect(pointAt(curve, 0.99)).toMatchObject({ tp: 0, fp: 0 });
  });

  it("picks Youden's J and the threshold for a target sensitivity", () => {
    const curve = rocCurve(scores, labels);
    // J: 0.8 -> 2/3+1-1 = 0.667; 0.4 -> 1 + 2/3 - 1 = 0.667 (first wins); 0.9 -> 1/3.
    expect(youdenThreshold(curve)).toBe(0.8);
    expect(thresholdForSensitivity(curve, 1)).toBe(0.4);
    expect(thresholdForSensitivity(curve, 0.6)).toBe(0.8);
  });
});
