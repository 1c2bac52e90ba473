import type { BackendReport, EpochRecord, TrainingConfig, TrainingMetrics } from '@shared/ipc/contract';
import type { DatasetSummary, PneumoniaEpochRecord, PneumoniaEvaluation, PneumoniaTrainingConfig, Population } from '@shared/ipc/pneumonia-contract';
import type { PneumoniaSample } from '../pneumonia/pneumonia-sample';

/** An image to score: the worker reads and decodes the file itself. */
export interface ScoreRequestImage {
  imageId: number;
  path: string;
  format: PneumoniaSample['format'];
}

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
  | { type: 'score'; modelDir: string; images: ScoreRequestImage[] }
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
  | { type: 'scored'; imageId: number; probability: number; heatmapPng: Uint8Array; featureDistance: number | null }
  | { type: 'score-failed'; imageId: number; reason: string }
  | { type: 'scoring-done' }
  /** A model folder's self-test: null when it built and scored a blank image, else the problem. */
  | { type: 'self-tested'; problem: string | null }
  | { type: 'error'; message: string; userFacing: boolean };
