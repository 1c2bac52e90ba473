/**
 * CIFAR-10 training with the textbook CNN, and the compute backend a run uses.
 */
import { z } from 'zod';
import { type ChannelMap, id, isoTime } from './contract-primitives';
import { BACKEND_NAMES } from '../domain/backends';

export const backendReportSchema = z.object({
  backend: z.enum(BACKEND_NAMES),
  device: z.string(),
  skipped: z.array(z.object({ backend: z.enum(BACKEND_NAMES), reason: z.string() })),
});

export const trainingConfigSchema = z.strictObject({
  datasetPath: z.string().min(1).max(4096),
  epochs: z.number().int().min(1).max(500).default(50),
  batchSize: z.number().int().min(1).max(1024).default(64),
  learningRate: z.number().positive().max(1).default(1e-3),
  augment: z.boolean().default(true),
  /** Train on a class-balanced subset of this many images (a quick run); null for all 50,000. */
  subsetSize: z.number().int().min(20).max(50_000).nullable().default(null),
  backend: z.enum(BACKEND_NAMES).optional(),
  seed: z.number().int().min(0).max(2 ** 31).default(1),
});

export const epochRecordSchema = z.object({
  epoch: z.number().int().min(1),
  loss: z.number(),
  accuracy: z.number(),
  valLoss: z.number(),
  valAccuracy: z.number(),
  learningRate: z.number(),
  seconds: z.number().nonnegative(),
});

export const classScoresSchema = z.object({
  name: z.string(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  support: z.number().int().nonnegative(),
});

export const trainingMetricsSchema = z.object({
  testLoss: z.number(),
  testAccuracy: z.number(),
  testCount: z.number().int().nonnegative(),
  classNames: z.array(z.string()),
  confusionMatrix: z.array(z.array(z.number().int().nonnegative())),
  report: z.object({
    classes: z.array(classScoresSchema),
    accuracy: z.number(),
    macroAverage: classScoresSchema.omit({ name: true }),
    weightedAverage: classScoresSchema.omit({ name: true }),
  }),
  /** A few test images (32x32 RGB, base64 of HWC bytes) with their true and predicted classes. */
  samples: z.array(z.object({ rgbBase64: z.string(), trueLabel: z.number().int(), predictedLabel: z.number().int() })),
  bestEpoch: z.number().int().nullable(),
  stoppedEarly: z.boolean(),
});

export const TRAINING_STATUSES = ['running', 'paused', 'completed', 'stopped', 'failed', 'interrupted'] as const;

export const trainingRunSchema = z.object({
  id,
  status: z.enum(TRAINING_STATUSES),
  config: trainingConfigSchema,
  history: z.array(epochRecordSchema),
  metrics: trainingMetricsSchema.nullable(),
  backend: backendReportSchema.nullable(),
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  error: z.string().nullable(),
  jobId: z.string().nullable(),
  /** Whether a checkpoint exists to resume this run from. */
  resumable: z.boolean(),
});

export const trainingProgressSchema = z.object({
  runId: id,
  jobId: z.string(),
  status: z.enum(TRAINING_STATUSES),
  epoch: z.number().int().min(1),
  epochs: z.number().int().min(1),
  batch: z.number().int().nonnegative(),
  batches: z.number().int().nonnegative(),
  loss: z.number(),
  accuracy: z.number(),
  learningRate: z.number(),
  etaSeconds: z.number().nonnegative().nullable(),
  /** Present when an epoch has just ended. */
  epochRecord: epochRecordSchema.nullable(),
});

export const trainingChannels = {
  'ml.runtime': {
    request: z.strictObject({ backend: z.enum(BACKEND_NAMES).optional() }),
    response: backendReportSchema,
  },
  'training.start': {
    request: trainingConfigSchema,
    response: z.object({ runId: id, jobId: z.string() }),
  },
  'training.pause': {
    request: z.strictObject({ runId: id }),
    response: z.object({ status: z.enum(TRAINING_STATUSES) }),
  },
  'training.resume': {
    request: z.strictObject({ runId: id }),
    response: z.object({ status: z.enum(TRAINING_STATUSES), jobId: z.string() }),
  },
  'training.stop': {
    request: z.strictObject({ runId: id }),
    response: z.object({ status: z.enum(TRAINING_STATUSES) }),
  },
  'training.list': {
    request: z.strictObject({ limit: z.number().int().min(1).max(200).default(20) }),
    response: z.object({ runs: z.array(trainingRunSchema) }),
  },
  'training.get': {
    request: z.strictObject({ runId: id }),
    response: trainingRunSchema,
  },
} satisfies ChannelMap;

export type BackendReport = z.output<typeof backendReportSchema>;
export type TrainingConfig = z.output<typeof trainingConfigSchema>;
export type EpochRecord = z.output<typeof epochRecordSchema>;
export type TrainingMetrics = z.output<typeof trainingMetricsSchema>;
export type TrainingRun = z.output<typeof trainingRunSchema>;
export type TrainingProgress = z.output<typeof trainingProgressSchema>;
export type TrainingStatus = (typeof TRAINING_STATUSES)[number];
