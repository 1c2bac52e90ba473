import type { ProbabilityCalibration } from '@shared/ipc/pneumonia-contract';
import { calibration } from '@shared/metrics/calibration';
import { calibratedProbability } from '@shared/metrics/temperature-scaling';

export interface LabelledLogits {
  logits: readonly number[];
  labels: readonly (0 | 1)[];
}

/** Reliability (bins and ECE) of the network's own probabilities and of the calibrated ones. */
function beforeAfter(scores: LabelledLogits, temperature: number): ProbabilityCalibration['validation'] {
  const reliability = (t: number) => calibration(scores.logits.map((z) => calibratedProbability(z, t)), scores.labels);
  return { before: reliability(1), after: reliability(temperature) };
}

/**
 * The metadata record of a temperature fitted on the validation scores: the reliability it gives
 * there and, as the independent check, on the test split (which played no part in the fit).
 */
export function calibrationRecord(temperature: number, validation: LabelledLogits & { describedAs: string }, test: LabelledLogits): ProbabilityCalibration {
  return {
    method: 'temperature',
    temperature,
    fittedOn: validation.describedAs,
    validation: beforeAfter(validation, temperature),
    test: beforeAfter(test, temperature),
  };
}
