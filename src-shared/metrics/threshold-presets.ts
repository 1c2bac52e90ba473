import { thresholdForSensitivity, youdenThreshold, type RocPoint } from './binary-roc';

/** The textbook's screening operating point: flag generously, a missed pneumonia costs more than a second look. */
export const SCREENING_THRESHOLD = 0.3;

export type ThresholdPresetName = 'screening' | 'balanced' | 'target-sensitivity';

/**
 * The threshold a preset picks on a model's ROC points, clamped to [0, 1] (the curve's first point
 * sits above every score). Null when the curve cannot give one: no evaluation points, or no
 * threshold reaches the target sensitivity.
 */
export function presetThreshold(
  points: readonly RocPoint[],
  preset: ThresholdPresetName,
  targetSensitivity?: number,
): number | null {
  if (preset === 'screening') return SCREENING_THRESHOLD;
  if (points.length < 2) return null;
  const raw =
    preset === 'balanced'
      ? youdenThreshold(points)
      : targetSensitivity === undefined
        ? null
        : thresholdForSensitivity(points, targetSensitivity);
  return raw === null ? null : Math.min(1, Math.max(0, raw));
}
