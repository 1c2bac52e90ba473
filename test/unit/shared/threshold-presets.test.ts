import { describe, expect, it } from 'vitest';
import { describePoint, pointAt, rocCurve } from '@shared/metrics/binary-roc';
import { presetThreshold, SCREENING_THRESHOLD } from '@shared/metrics/threshold-presets';

// Positives score 0.9, 0.8, 0.4; negatives 0.7, 0.3, 0.1 (the hand-worked set of binary-roc.test.ts).
const points = rocCurve([0.9, 0.8, 0.7, 0.4, 0.3, 0.1], [1, 1, 0, 1, 0, 0]);

describe('threshold presets', () => {
  it('screening is the textbook 0.30 whatever the curve', () => {
    expect(presetThreshold(points, 'screening')).toBe(SCREENING_THRESHOLD);
    expect(SCREENING_THRESHOLD).toBe(0.3);
  });

  it("balanced is Youden's J: at 0.8 sens 2/3 spec 1 (J 0.667) beats 0.4 sens 1 spec 2/3 (J 0.667, later)", () => {
    expect(presetThreshold(points, 'balanced')).toBe(0.8);
    const at = describePoint(pointAt(points, 0.8));
    expect(at.sensitivity).toBeCloseTo(2 / 3);
    expect(at.specificity).toBe(1);
  });

  it('target sensitivity picks the strictest threshold that still reaches it', () => {
    expect(presetThreshold(points, 'target-sensitivity', 1)).toBe(0.4);
    expect(presetThreshold(points, 'target-sensitivity', 0.6)).toBe(0.8);
    expect(presetThreshold(points, 'target-sensitivity', 0.3)).toBe(0.9);
  });

  it('the operating metrics at the presets match the hand count', () => {
    const screening = describePoint(pointAt(points, 0.3));
    expect(screening).toMatchObject({ tp: 3, fp: 2, tn: 1, fn: 0, sensitivity: 1 });
    expect(screening.specificity).toBeCloseTo(1 / 3);
    expect(screening.ppv).toBeCloseTo(3 / 5);
    expect(screening.npv).toBe(1);
  });

  it('gives nothing without an evaluation curve or a target', () => {
    expect(presetThreshold([], 'balanced')).toBeNull();
    expect(presetThreshold(points, 'target-sensitivity')).toBeNull();
  });
});
