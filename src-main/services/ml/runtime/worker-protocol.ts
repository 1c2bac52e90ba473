import type { BackendReport, EpochRecord, TrainingConfig, TrainingMetrics } from '@shared/ipc/contract';
import type { DatasetSummary, PneumoniaEpochRecord, PneumoniaEvaluation, PneumoniaTrainingConfig, Population } from '@shared/ipc/pneumonia-contract';
import type { PneumoniaSample } from '../pneumonia/pneumonia-sample';

/** An image to score: the worker reads and decodes the file itself. */
export interface ScoreRequestImage {
  imageId: number;
  path: string;
  format: PneumoniaSample['format'];
}

/**
 * Which queued scoring request the worker serves next, lowest first: a heatmap the viewer is
 * waiting for, then new studies for the worklist, then a version being prepared for activation,
 * then heatmaps drawn ahead of need.
 */
export const SCORING_PRIORITY = { viewer: 0, worklist: 1, activation: 2, background: 3 } as const;
export type ScoringPriority = (typeof SCORING_PRIORITY)[keyof typeof SCORING_PRIORITY];

/** A dataset already split (by the same code that showed the user the preview). */
export interface SplitSamples {
  train: PneumoniaSample[];
  val: PneumoniaSample[];
  test: PneumoniaSample[];
  summary: DatasetSummary;
}

/** Messages between main and the compute worker that owns TensorFlow.js. */
export type ToWorker =
  | { type: 'probe'; backend?: TrainingConfig['backend'] }
  | { type: 'train'; config: TrainingConfig; cacheDir: string; lastDir: string; bestDir: string; resume: boolean }
  /** `population`: who the training studies came from (database studies); absent for a folder, whose config says it. */
  | { type: 'pneumonia-train'; config: PneumoniaTrainingConfig; data: SplitSamples; outDir: string; baseModelDir: string | null; population?: Population }
  | { type: 'pneumonia-evaluate'; modelDir: string; samples: PneumoniaSample[]; evaluatedOn: string; threshold: number; targetSensitivity: number }
  /**
   * Scoring requests are queued in the worker and served one at a time, most urgent first (see
   * ScoringPriority); the model stays loaded between them. `score` gives each image its
   * probability and feature distance; `heatmaps` gives their heatmaps. Replies carry the request's id.
   */
  | { type: 'score'; requestId: number; priority: ScoringPriority; modelDir: string; images: ScoreRequestImage[] }
  | { type: 'heatmaps'; requestId: number; priority: ScoringPriority; modelDir: string; images: ScoreRequestImage[] }
  /** Select the backend and load the model now, so the first request finds them ready. */
  | { type: 'warm'; modelDir: string }
  /** Stop a queued or running request at its next batch; it still ends with its done message. */
  | { type: 'cancel'; requestId: number }
  | { type: 'self-test'; modelDir: string }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'backend'; report: BackendReport }
  | { type: 'phase'; phase: 'preparing' | 'evaluating'; message: string; done: number; total: number | null }
  | {
      type: 'batch';
      epoch: number;
      batch: number;
      batches: number;
      loss: number;
      accuracy: number;
      learningRate: number;
      etaSeconds: number | null;
    }
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'done'; outcome: 'completed' | 'stopped'; history: EpochRecord[]; metrics: TrainingMetrics | null; finalValLoss: number | null }
  | { type: 'pneumonia-batch'; phase: 1 | 2; epoch: number; epochs: number; batch: number; batches: number; loss: number }
  | { type: 'pneumonia-epoch'; record: PneumoniaEpochRecord }
  /** The model folder is complete (metadata.json written last) when outcome is 'completed'. */
  | { type: 'pneumonia-done'; outcome: 'completed' | 'stopped' }
  | { type: 'evaluation'; evaluation: PneumoniaEvaluation }
  /**
   * `probability` is calibrated (the version's temperature applied). `featureDistance` is the
   * image's distance from the version's feature reference divided by its cut-off (above 1: an
   * unusual image); null when the version has no reference.
   */
  | { type: 'scored'; requestId: number; imageId: number; probability: number; featureDistance: number | null }
  | { type: 'score-failed'; requestId: number; imageId: number; reason: string }
  | { type: 'scoring-done'; requestId: number }
  /** A Grad-CAM heatmap as a small grey PNG. */
  | { type: 'heatmap'; requestId: number; imageId: number; heatmapPng: Uint8Array }
  | { type: 'heatmap-failed'; requestId: number; imageId: number; reason: string }
  | { type: 'heatmaps-done'; requestId: number }
  /** A model folder's self-test: null when it built and scored a blank image, else the problem. */
  | { type: 'self-tested'; problem: string | null }
  /** `requestId`: the scoring request that failed as a whole (its model cannot be loaded), if it was one. */
  | { type: 'error'; message: string; userFacing: boolean; requestId?: number };
