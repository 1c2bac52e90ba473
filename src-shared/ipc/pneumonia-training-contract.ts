/**
 * Pneumonia training and fine-tuning runs: the data preview, a run's progress, and its comparison with the active version.
 */
import { z } from 'zod';
import { type ChannelMap, empty, id, isoTime } from './contract-primitives';
import { datasetSummarySchema, pneumoniaDataSourceSchema, pneumoniaEpochRecordSchema, pneumoniaTrainingConfigSchema } from './pneumonia-contract';
import { versionComparisonSchema } from './models-contract';
import { backendReportSchema, TRAINING_STATUSES } from './training-contract';

export const pneumoniaRunSchema = z.object({
  id,
  status: z.enum(TRAINING_STATUSES),
  config: pneumoniaTrainingConfigSchema,
  dataset: datasetSummarySchema.nullable(),
  history: z.array(pneumoniaEpochRecordSchema),
  backend: backendReportSchema.nullable(),
  /** The version this run produced (registered, never activated by the run itself). */
  versionId: id.nullable(),
  comparison: versionComparisonSchema.nullable(),
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  error: z.string().nullable(),
  jobId: z.string().nullable(),
});

export const pneumoniaProgressSchema = z.object({
  runId: id,
  jobId: z.string(),
  status: z.enum(TRAINING_STATUSES),
  stage: z.enum(['preparing', 'training', 'evaluating', 'comparing']),
  /** 1: backbone frozen; 2: last block fine-tuned. */
  phase: z.union([z.literal(1), z.literal(2)]).nullable(),
  epoch: z.number().int().nonnegative(),
  epochs: z.number().int().nonnegative(),
  batch: z.number().int().nonnegative(),
  batches: z.number().int().nonnegative(),
  loss: z.number().nullable(),
  message: z.string(),
  epochRecord: pneumoniaEpochRecordSchema.nullable(),
});

export const dataPreviewSchema = z.object({
  summary: datasetSummarySchema,
  /** Things the user should know before training, e.g. a validation split carved from train. */
  notes: z.array(z.string()),
});

export const pneumoniaTrainingChannels = {
  'pneumonia.defaults': {
    request: empty,
    response: z.object({
      /** The ImageNet MobileNetV2 found on this machine, if any. */
      mobilenetWeightsPath: z.string().nullable(),
      /** A Kaggle-layout chest X-ray folder found on this machine, if any. */
      sampleFolder: z.string().nullable(),
      labelledStudies: z.object({ normal: z.number().int().nonnegative(), pneumonia: z.number().int().nonnegative() }),
    }),
  },
  'pneumonia.previewData': {
    request: z.strictObject({
      data: pneumoniaDataSourceSchema,
      validationFraction: z.number().min(0.05).max(0.5).default(0.15),
      minValidationImages: z.number().int().min(0).max(100_000).default(50),
      maxTrainImages: z.number().int().positive().nullable().default(null),
      seed: z.number().int().nonnegative().default(42),
    }),
    response: dataPreviewSchema,
  },
  'pneumonia.start': {
    request: pneumoniaTrainingConfigSchema,
    response: z.object({ runId: id, jobId: z.string() }),
  },
  'pneumonia.pause': {
    request: z.strictObject({ runId: id }),
    response: z.object({ status: z.enum(TRAINING_STATUSES) }),
  },
  'pneumonia.resume': {
    request: z.strictObject({ runId: id }),
    response: z.object({ status: z.enum(TRAINING_STATUSES) }),
  },
  'pneumonia.stop': {
    request: z.strictObject({ runId: id }),
    response: z.object({ status: z.enum(TRAINING_STATUSES) }),
  },
  'pneumonia.list': {
    request: z.strictObject({ limit: z.number().int().min(1).max(200).default(20) }),
    response: z.object({ runs: z.array(pneumoniaRunSchema) }),
  },
  'pneumonia.get': {
    request: z.strictObject({ runId: id }),
    response: pneumoniaRunSchema,
  },
} satisfies ChannelMap;

export type PneumoniaRun = z.output<typeof pneumoniaRunSchema>;
export type PneumoniaProgress = z.output<typeof pneumoniaProgressSchema>;
export type DataPreview = z.output<typeof dataPreviewSchema>;
