/**
 * Confusion matrix and the per-class precision, recall and F1 of a classifier (the textbook's
 * "classification report"). Shared by the CIFAR-10 panel and the pneumonia model.
 */

/** matrix[trueClass][predictedClass] = count. */
export type ConfusionMatrix = number[][];

export function confusionMatrix(trueLabels: ArrayLike<number>, predicted: ArrayLike<number>, classCount: number): ConfusionMatrix {
  if (trueLabels.length !== predicted.length) {
    throw new Error(`confusionMatrix needs as many predictions as labels (${predicted.length} vs ${trueLabels.length}).`);
  }
  const matrix = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (let i = 0; i < trueLabels.length; i++) {
    const t = trueLabels[i]!;
    const p = predicted[i]!;
    if (!(t >= 0 && t < classCount && p >= 0 && p < classCount)) throw new Error(`Label out of range at ${i}: true ${t}, predicted ${p}.`);
    matrix[t]![p]! += 1;
  }
  return matrix;
}

export interface ClassScores {
  name: string;
  precision: number;
  recall: number;
  f1: number;
  /** How many examples truly belong to the class. */
  support: number;
}

export interface ClassificationReport {
  classes: ClassScores[];
  accuracy: number;
  macroAverage: Omit<ClassScores, 'name'>;
  weightedAverage: Omit<ClassScores, 'name'>;
}

/** Precision or recall of a class with no predictions or no examples is 0, as scikit-learn reports it. */
function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

export function classificationReport(matrix: ConfusionMatrix, classNames: readonly string[]): ClassificationReport {
  const n = matrix.length;
  if (classNames.length !== n) throw new Error(`classificationReport needs ${n} class names, got ${classNames.length}.`);
  const total = matrix.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
  let correct = 0;
  const classes = classNames.map((name, c) => {
    const truePositives = matrix[c]![c]!;
    correct += truePositives;
    const support = matrix[c]!.reduce((a, b) => a + b, 0);
    const predictedAs = matrix.reduce((sum, row) => sum + row[c]!, 0);
    const precision = ratio(truePositives, predictedAs);
    const recall = ratio(truePositives, support);
    return { name, precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
  const average = (weight: (s: ClassScores) => number) => {
    const weights = classes.map(weight);
    const sum = weights.reduce((a, b) => a + b, 0);
    const mean = (key: 'precision' | 'recall' | 'f1') => ratio(classes.reduce((acc, s, i) => acc + s[key] * weights[i]!, 0), sum);
    return { precision: mean('precision'), recall: mean('recall'), f1: mean('f1'), support: total };
  };
  return {
    classes,
    accuracy: ratio(correct, total),
    macroAverage: average(() => 1),
    weightedAverage: average((s) => s.support),
  };
}
