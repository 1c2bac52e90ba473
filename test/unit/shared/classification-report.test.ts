import { describe, expect, it } from 'vitest';
import { classificationReport, confusionMatrix } from '@shared/ml/classification-report';
import { diagnoseFit } from '@shared/ml/fit-diagnosis';

describe('confusion matrix and classification report', () => {
  // Three classes, ten examples, worked by hand:
  //   true a: a a a b      true b: b b a      true c: c c b
  const truth = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
  const predicted = [0, 0, 0, 1, 1, 1, 0, 2, 2, 1];

  it('counts true class by row and predicted class by column', () => {
    expect(confusionMatrix(truth, predicted, 3)).toEqual([
      [3, 1, 0],
      [1, 2, 0],
      [0, 1, 2],
    ]);
  });

  it('gives per-class precision, recall, F1 and support, and the averages', () => {
    const report = classificationReport(confusionMatrix(truth, predicted, 3), ['a', 'b', 'c']);
    // a: precision 3/4, recall 3/4; b: precision 2/4, recall 2/3; c: precision 2/2, recall 2/3.
    const [a, b, c] = report.classes;
    expect(a).toMatchObject({ name: 'a', precision: 0.75, recall: 0.75, f1: 0.75, support: 4 });
    expect(b!.precision).toBeCloseTo(0.5, 12);
    expect(b!.recall).toBeCloseTo(2 / 3, 12);
    expect(b!.f1).toBeCloseTo(4 / 7, 12); // 2*(1/2)(2/3) / (1/2 + 2/3)
    expect(c!.precision).toBe(1);
    expect(c!.f1).toBeCloseTo(0.8, 12);
    expect(report.accuracy).toBeCloseTo(0.7, 12);
    expect(report.macroAverage.precision).toBeCloseTo((0.75 + 0.5 + 1) / 3, 12);
    expect(report.weightedAverage.recall).toBeCloseTo((0.75 * 4 + (2 / 3) * 3 + (2 / 3) * 3) / 10, 12);
    expect(report.macroAverage.support).toBe(10);
  });

  it('reports 0 (not NaN) for a class never predicted, and rejects bad input', () => {
    const report = classificationReport(confusionMatrix([0, 1], [0, 0], 2), ['x', 'y']);
    expect(report.classes[1]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/as many predictions/);
    expect(() => confusionMatrix([0, 3], [0, 0], 2)).toThrow(/out of range/);
    expect(() => classificationReport([[1]], ['a', 'b'])).toThrow(/class names/);
  });
});

describe('fit diagnosis from the loss curves', () => {
  const epoch = (loss: number, valLoss: number, accuracy = 0.8, valAccuracy = 0.7) => ({ loss, valLoss, accuracy, valAccuracy });

  it('calls a large validation-training gap over-fitting', () => {
    const d = diagnoseFit([epoch(1.2, 1.3), epoch(0.6, 0.9), epoch(0.3, 0.95)]);
    expect(d?.verdict).toBe('overfitting');
    expect(d?.gap).toBeCloseTo(0.3, 12);
  });

  it('calls low training accuracy under-fitting, and close curves a good fit', () => {
    expect(diagnoseFit([epoch(2.2, 2.25, 0.2, 0.2), epoch(2.0, 2.05, 0.3, 0.28)])?.verdict).toBe('underfitting');
    expect(diagnoseFit([epoch(1.0, 1.0), epoch(0.7, 0.72)])?.verdict).toBe('good-fit');
    expect(diagnoseFit([])).toBeNull();
  });

  it('calls a run whose validation accuracy stays near chance too short to learn, not over-fitting', () => {
    // A quick run: the losses far apart, but validation accuracy at 11 % of ten classes.
    const d = diagnoseFit([epoch(2.3, 2.9, 0.12, 0.1), epoch(2.1, 3.4, 0.2, 0.11)]);
    expect(d?.verdict).toBe('too-short');
    expect(d?.explanation).toMatch(/too short to learn/);
    expect(d?.explanation).not.toMatch(/over-fit|memoris/i);
  });
});
