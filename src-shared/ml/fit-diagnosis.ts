/**
 * The textbook's reading of learning curves: a validation loss well above the training loss
 * means over-fitting; both losses high and accuracy low means under-fitting.
 */
export interface EpochLosses {
  loss: number;
  valLoss: number;
  accuracy: number;
  valAccuracy: number;
}

export type FitVerdict = 'too-short' | 'overfitting' | 'underfitting' | 'good-fit';

export interface FitDiagnosis {
  verdict: FitVerdict;
  /** Validation loss minus training loss at the best epoch (lowest validation loss). */
  gap: number;
  explanation: string;
}

// Thresholds chosen for softmax cross-entropy over ten classes: a gap of a fifth of the
// training loss is clearly visible on the curves; under 50% training accuracy the model has
// not learned the training set.
const RELATIVE_GAP = 0.2;
const MIN_TRAIN_ACCURACY = 0.5;
/**
 * Validation accuracy below this many times chance (20 % for ten classes: on a quick run's 200
 * validation images, chance varies by about 2 points) means nothing was learned yet: a gap between
 * the losses then is noise (a tiny quick run evaluates near chance while batch normalisation's
 * moving statistics are still far from the data), and calling it over-fitting would mislead.
 */
const CHANCE_MARGIN = 2;

export function diagnoseFit(history: readonly EpochLosses[], classes = 10): FitDiagnosis | null {
  if (history.length === 0) return null;
  const best = history.reduce((b, e) => (e.valLoss < b.valLoss ? e : b));
  const last = history.at(-1)!;
  const gap = best.valLoss - best.loss;
  const chance = 1 / classes;
  const bestValAccuracy = Math.max(...history.map((e) => e.valAccuracy));
  if (bestValAccuracy < chance * CHANCE_MARGIN) {
    return {
      verdict: 'too-short',
      gap,
      explanation:
        `Validation accuracy ${(bestValAccuracy * 100).toFixed(1)} % is near chance (${(chance * 100).toFixed(0)} % for ${classes} classes): ` +
        'the run was too short to learn, so the curves say nothing yet about over- or under-fitting. Train on more images or for more epochs.',
    };
  }
  const rising = last.valLoss > best.valLoss * 1.05 && last.loss < best.loss;
  if (gap > RELATIVE_GAP * Math.max(best.loss, 1e-6) || rising) {
    return {
      verdict: 'overfitting',
      gap,
      explanation: rising
        ? 'Validation loss rose after its best epoch while training loss kept falling: the model is memorising the training set. More augmentation, dropout or early stopping help.'
        : `Validation loss is ${gap.toFixed(3)} above training loss: the model fits the training set better than new images. More data, augmentation or regularisation help.`,
    };
  }
  if (last.accuracy < MIN_TRAIN_ACCURACY) {
    return {
      verdict: 'underfitting',
      gap,
      explanation: `Training accuracy is only ${(last.accuracy * 100).toFixed(1)}%: the model has not yet learned the training set. Train longer, or use a larger model or a higher learning rate.`,
    };
  }
  return {
    verdict: 'good-fit',
    gap,
    explanation: 'Training and validation losses are close and both fell: the model generalises about as well as it fits.',
  };
}
