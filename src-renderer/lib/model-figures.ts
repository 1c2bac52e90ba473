import type { ModelVersionDetail, ModelVersionSummary } from '@shared/ipc/contract';
import { describePoint, pointAt, type OperatingPoint } from '@shared/metrics/binary-roc';

/** A version's sensitivity and specificity at its stored threshold, from its evaluation curve; null without one. */
export function operatingPointOf(version: ModelVersionSummary, detail: ModelVersionDetail | null = null): OperatingPoint | null {
  if (version.threshold === null) return null;
  if (version.rocPoints.length > 1) return describePoint(pointAt(version.rocPoints, version.threshold));
  const evaluation = detail?.metadata?.evaluation;
  return evaluation && evaluation.rocPoints.length > 1 ? describePoint(pointAt(evaluation.rocPoints, version.threshold)) : null;
}
