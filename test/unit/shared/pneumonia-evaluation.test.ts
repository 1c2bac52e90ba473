import { describe, expect, it } from 'vitest';
import { calibration } from '@shared/metrics/calibration';
import { evaluateScores } from '@shared/metrics/pneumonia-evaluation';
import { pneumoniaEvaluationSchema } from '@shared/ipc/pneumonia-contract';

// Eight cases worked by hand: positives score 0.9 0.8 0.4 0.2, negatives 0.7 0.3 0.1 0.05.
const scores = [0.9, 0.8, 0.4, 0.2, 0.7, 0.3, 0.1, 0.05];
const labels: (0 | 1)[] = [1, 1, 1, 1, 0, 0, 0, 0];

describe('evaluateScores', () => {
  const evaluation = evaluateScores(scores, labels, { threshold: 0.3, targetSensitivity: 1, evaluatedOn: 'hand case', msPerImage: 2 });

  it('gives the confusion counts, sensitivity and specificity at the threshold', () => {
    // At 0.30: called positive 0.9 0.8 0.4 (tp 3) and 0.7 0.3 (fp 2); missed 0.2 (fn 1); tn 0.1 0.05.
    expect(evaluation.atThreshold).toMatchObject({ tp: 3, fp: 2, tn: 2, fn: 1, sensitivity: 0.75, specificity: 0.5, precision: 0.6 });
    expect(evaluation.atThreshold.f1).toBeCloseTo((2 * 0.6 * 0.75) / 1.35, 12);
  });

  it('computes AUC as the share of positive-negative pairs ranked correctly', () => {
    // Pairs (16): 0.9 beats all 4, 0.8 all 4, 0.4 beats 0.3 0.1 0.05 (3), 0.2 beats 0.1 0.05 (2) -> 13/16.
    expect(evaluation.auc).toBeCloseTo(13 / 16, 12);
  });

  it('reports precision, recall and F1 per class', () => {
    const [normal, pneumonia] = evaluation.report;
    expect(pneumonia).toMatchObject({ name: 'pneumonia', recall: 0.75, precision: 0.6, support: 4 });
    // Normal: predicted normal 0.2 0.1 0.05 (3), of which 2 are normal; 4 normals.
    expect(normal!.precision).toBeCloseTo(2 / 3, 12);
    expect(normal!.recall).toBe(0.5);
  });

  it('finds the highest threshold that reaches the target sensitivity', () => {
    // All four positives are caught first at 0.2, where 0.7 and 0.3 are false positives.
    expect(evaluation.targetSensitivity.point).toMatchObject({ threshold: 0.2, sensitivity: 1, specificity: 0.5 });
  });

  it('fits the stored schema', () => {
    expect(pneumoniaEvaluationSchema.parse(evaluation)).toBeTruthy();
  });

  it('refuses an empty evaluation', () => {
    expect(() => evaluateScores([], [], { threshold: 0.3, targetSensitivity: 0.9, evaluatedOn: '', msPerImage: 0 })).toThrow(/at least one/);
  });
});

describe('calibration', () => {
  it('bins scores and weighs the gaps by bin size', () => {
    // Bin [0.9,1.0): scores 0.9 and 1.0 (mean 0.95), both positive: gap 0.05.
    // Bin [0.1,0.2): 0.1 0.1 (mean 0.1), one positive: gap 0.4.
    const result = calibration([0.9, 1.0, 0.1, 0.1], [1, 1, 1, 0]);
    expect(result.bins.map((b) => b.count)).toEqual([2, 2]);
    expect(result.bins[1]).toMatchObject({ lower: 0.9, upper: 1, fractionPositive: 1 });
    expect(result.ece).toBeCloseTo(0.5 * 0.05 + 0.5 * 0.4, 12);
  });

  it('is zero for a perfectly calibrated model', () => {
    expect(calibration([0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0]).ece).toBeCloseTo(0, 12);
  });
});
