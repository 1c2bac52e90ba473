import type { PneumoniaEvaluation } from '@shared/ipc/pneumonia-contract';
import { evaluateScores } from '@shared/metrics/pneumonia-evaluation';
import { loadGrey } from './load-grey';
import { disposeNetwork, type PneumoniaNetwork } from './pneumonia-network';
import { loadPneumoniaModel } from './pneumonia-model-files';
import type { PneumoniaSample } from './pneumonia-sample';
import { createPneumoniaScorer, scorerOptionsOf, type ScorerOptions } from './pneumonia-scorer';

export interface EvaluationOptions extends ScorerOptions {
  evaluatedOn: string;
  threshold: number;
  targetSensitivity: number;
  batchSize?: number;
  onProgress?(done: number, total: number): void;
}

/**
 * Scores labelled samples exactly as the worklist does (file decoded, resized, scored with
 * Grad-CAM, the version's temperature applied), timing it end to end, and computes the
 * evaluation the registry stores, on the calibrated probabilities.
 */
export async function evaluatePneumoniaNetwork(
  network: PneumoniaNetwork,
  samples: readonly PneumoniaSample[],
  options: EvaluationOptions,
): Promise<{ evaluation: PneumoniaEvaluation; probabilities: number[]; logits: number[] }> {
  if (samples.length === 0) throw new Error('There are no test images to evaluate on.');
  const scorer = createPneumoniaScorer(network, options);
  const batchSize = options.batchSize ?? 16;
  const probabilities: number[] = [];
  const logits: number[] = [];
  const started = performance.now();
  try {
    for (let start = 0; start < samples.length; start += batchSize) {
      const batch = samples.slice(start, start + batchSize);
      const results = await scorer.scoreBatch(await Promise.all(batch.map((s) => loadGrey(s))));
      probabilities.push(...results.map((r) => r.probability));
      logits.push(...results.map((r) => r.logit));
      options.onProgress?.(probabilities.length, samples.length);
    }
  } finally {
    scorer.dispose();
  }
  const msPerImage = (performance.now() - started) / samples.length;
  const evaluation = evaluateScores(
    probabilities,
    samples.map((s) => s.label),
    { threshold: options.threshold, targetSensitivity: options.targetSensitivity, evaluatedOn: options.evaluatedOn, msPerImage },
  );
  return { evaluation, probabilities, logits };
}

/** Evaluates a saved model folder (for comparing the active version on a candidate's test set), with its own calibration. */
export async function evaluatePneumoniaModel(modelDir: string, samples: readonly PneumoniaSample[], options: EvaluationOptions): Promise<PneumoniaEvaluation> {
  const model = await loadPneumoniaModel(modelDir);
  try {
    return (await evaluatePneumoniaNetwork(model, samples, { ...scorerOptionsOf(model.metadata), ...options })).evaluation;
  } finally {
    disposeNetwork(model);
  }
}
