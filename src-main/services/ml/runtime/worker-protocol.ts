import type { BackendReport, EpochRecord, TrainingConfig, TrainingMetrics } from '@shared/ipc/contract';

/** Messages between main and the compute worker that owns TensorFlow.js. */
export type ToWorker =
  | { type: 'probe'; backend?: TrainingConfig['backend'] }
  | { type: 'train'; config: TrainingConfig; cacheDir: string; lastDir: string; bestDir: string; resume: boolean }
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
  | { type: 'error'; message: string; userFacing: boolean };
