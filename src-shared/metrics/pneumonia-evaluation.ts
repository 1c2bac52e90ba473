import type { OperatingPoint, PneumoniaEvaluation } from '../ipc/pneumonia-contract';
import { classificationReport, confusionMatrix } from '../ml/classification-report';
import { confusionAt, rocAuc, rocCurve, thresholdForSensitivity, type RocPoint } from './binary-roc';
import { calibration } from './calibration';

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

export function operatingPoint(point: RocPoint): OperatingPoint {
  const { tp, fp, tn, fn } = point;
  const sensitivity = ratio(tp, tp + fn);
  const precision = ratio(tp, tp + fp);
  return {
    threshold: Math.min(1, Math.max(0, point.threshold)),
    sensitivity,
    specificity: ratio(tn, tn + fp),
    precision,
    f1: ratio(2 * precision * sensitivity, precision + sensitivity),
    tp,
    fp,
    tn,
    fn,
  };
}

/**
 * Everything the model registry stores about a version's test-set performance, from its scores
 * (probability of pneumonia) and the true labels (1 = pneumonia).
 */
export function evaluateScores(
  scores: readonly number[],
  labels: readonly (0 | 1)[],
  options: { threshold: number; targetSensitivity: number; evaluatedOn: string; msPerImage: number },
): PneumoniaEvaluation {
  if (scores.length === 0) throw new Error('Evaluation needs at least one scored image.');
  const rocPoints = rocCurve(scores, labels);
  const atThreshold = confusionAt(scores, labels, options.threshold);
  const predicted = scores.map((s) => (s >= options.threshold ? 1 : 0));
  const report = classificationReport(confusionMatrix(labels, predicted, 2), ['normal', 'pneumonia']).classes;
  const target = thresholdForSensitivity(rocPoints, options.targetSensitivity);
  return {
    evaluatedOn: options.evaluatedOn,
    images: scores.length,
    auc: rocAuc(rocPoints),
    rocPoints,
    atThreshold: operatingPoint(atThreshold),
    report,
    calibration: calibration(scores, labels),
    targetSensitivity: {
      target: options.targetSensitivity,
      point: target === null ? null : operatingPoint(confusionAt(scores, labels, target)),
    },
    msPerImage: options.msPerImage,
  };
}
