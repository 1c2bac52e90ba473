import type { CalibrationBin } from '../ipc/pneumonia-contract';

/**
 * Reliability curve and expected calibration error (Guo et al. 2017): scores are put in equal-width
 * bins; ECE is the bin-size-weighted mean gap between the mean score and the observed fraction of
 * positives. A score of exactly 1 falls in the last bin. Empty bins are left out of the curve.
 */
export function calibration(scores: readonly number[], labels: readonly (0 | 1)[], binCount = 10): { bins: CalibrationBin[]; ece: number } {
  if (scores.length !== labels.length) throw new Error('scores and labels differ in length');
  const sums = Array.from({ length: binCount }, () => ({ count: 0, score: 0, positives: 0 }));
  scores.forEach((score, i) => {
    const bin = sums[Math.min(binCount - 1, Math.max(0, Math.floor(score * binCount)))]!;
    bin.count += 1;
    bin.score += score;
    bin.positives += labels[i]!;
  });
  const bins: CalibrationBin[] = [];
  let ece = 0;
  sums.forEach((s, b) => {
    if (s.count === 0) return;
    const meanPredicted = s.score / s.count;
    const fractionPositive = s.positives / s.count;
    ece += (s.count / scores.length) * Math.abs(meanPredicted - fractionPositive);
    bins.push({ lower: b / binCount, upper: (b + 1) / binCount, count: s.count, meanPredicted, fractionPositive });
  });
  return { bins, ece };
}
