/**
 * The one IPC contract: every channel's request and response, and every event's payload, as
 * runtime schemas. Both adapters validate requests against these where they enter main.
 */
import { z } from 'zod';
import type { Channel, EventName } from './channels';
import {
  DATASET_SPLITS,
  IMAGE_FORMATS,
  IMPORT_STATUSES,
  LABELS,
  STUDY_STATUSES,
} from '../domain/study';

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const isoTime = z.string().min(1);
const bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'expected binary data');
const empty = z.strictObject({});

export const studyRowSchema = z.object({
  id,
  patientId: z.string().nullable(),
  patientName: z.string().nullable(),
  fileName: z.string(),
  studyDate: z.string().nullable(),
  importedAt: isoTime,
  modality: z.string().nullable(),
  label: z.enum(LABELS).nullable(),
  status: z.enum(STUDY_STATUSES),
  imageCount: z.number().int().nonnegative(),
  thumbnailImageId: id,
});

export const imageSummarySchema = z.object({
  id,
  fileName: z.string(),
  format: z.enum(IMAGE_FORMATS),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  byteSize: z.number().int().nonnegative(),
  datasetSplit: z.enum(DATASET_SPLITS).nullable(),
});

export const studyDetailSchema = studyRowSchema.extend({
  sourcePath: z.string(),
  images: z.array(imageSummarySchema),
});

export const rejectedFileSchema = z.object({
  path: z.string(),
  reason: z.string(),
});

export const importSummarySchema = z.object({
  id,
  rootPath: z.string(),
  status: z.enum(IMPORT_STATUSES),
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  filesSeen: z.number().int().nonnegative(),
  added: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
});

export const importReportSchema = importSummarySchema.extend({
  rejectedFiles: z.array(rejectedFileSchema),
});

const jobKind = z.enum(['import', 'training']);

export const jobProgressSchema = z.object({
  jobId: z.string(),
  kind: jobKind,
  phase: z.enum(['scanning', 'importing', 'preparing', 'training', 'evaluating']),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative().nullable(),
  message: z.string(),
});

export const jobFinishedSchema = z.object({
  jobId: z.string(),
  kind: jobKind,
  status: z.enum(['completed', 'cancelled', 'failed']),
  error: z.string().nullable(),
  importReport: importReportSchema.nullable(),
});

export const BACKEND_NAMES = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'] as const;

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

export const contract = {
  'app.info': {
    request: empty,
    response: z.object({
      name: z.string(),
      version: z.string(),
      adapter: z.enum(['electron', 'browser-host']),
      dataDir: z.string(),
      studyCount: z.number().int().nonnegative(),
      capabilities: z.object({ nativeFolderPicker: z.boolean() }),
    }),
  },
  'dialogs.pickFolder': {
    request: z.strictObject({ title: z.string().max(200).optional() }),
    response: z.object({ path: z.string().nullable() }),
  },
  'studies.list': {
    request: z.strictObject({
      search: z.string().max(200).optional(),
      limit: z.number().int().min(1).max(10_000).default(500),
      offset: z.number().int().min(0).default(0),
    }),
    response: z.object({ total: z.number().int().nonnegative(), rows: z.array(studyRowSchema) }),
  },
  'studies.get': {
    request: z.strictObject({ studyId: id }),
    response: studyDetailSchema,
  },
  'images.thumbnail': {
    request: z.strictObject({ imageId: id }),
    response: z.object({ mime: z.string(), bytes }),
  },
  'images.display': {
    request: z.strictObject({ imageId: id }),
    response: z.object({
      mime: z.string(),
      bytes,
      width: z.number().int().positive(),
      height: z.number().int().positive(),
    }),
  },
  'imports.start': {
    request: z.strictObject({ path: z.string().min(1).max(4096) }),
    response: z.object({ jobId: z.string() }),
  },
  'imports.list': {
    request: z.strictObject({ limit: z.number().int().min(1).max(200).default(20) }),
    response: z.object({ imports: z.array(importSummarySchema) }),
  },
  'imports.get': {
    request: z.strictObject({ importId: id }),
    response: importReportSchema,
  },
  'jobs.cancel': {
    request: z.strictObject({ jobId: z.string().min(1).max(100) }),
    response: z.object({ cancelled: z.boolean() }),
  },
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
} satisfies Record<Channel, { request: z.ZodType; response: z.ZodType }>;

export const eventSchemas = {
  'job.progress': jobProgressSchema,
  'job.finished': jobFinishedSchema,
  'training.progress': trainingProgressSchema,
} satisfies Record<EventName, z.ZodType>;

/** What a caller sends (defaults may be omitted). */
export type RequestOf<C extends Channel> = z.input<(typeof contract)[C]['request']>;
/** What a handler receives, after validation filled in defaults. */
export type ParsedRequestOf<C extends Channel> = z.output<(typeof contract)[C]['request']>;
export type ResponseOf<C extends Channel> = z.output<(typeof contract)[C]['response']>;
export type EventPayloadOf<E extends EventName> = z.output<(typeof eventSchemas)[E]>;

export type AppEvent = { [E in EventName]: { name: E; payload: EventPayloadOf<E> } }[EventName];

export type StudyRow = z.output<typeof studyRowSchema>;
export type StudyDetail = z.output<typeof studyDetailSchema>;
export type ImageSummary = z.output<typeof imageSummarySchema>;
export type ImportSummary = z.output<typeof importSummarySchema>;
export type ImportReport = z.output<typeof importReportSchema>;
export type RejectedFile = z.output<typeof rejectedFileSchema>;
export type JobProgress = z.output<typeof jobProgressSchema>;
export type JobFinished = z.output<typeof jobFinishedSchema>;
export type BackendReport = z.output<typeof backendReportSchema>;
export type TrainingConfig = z.output<typeof trainingConfigSchema>;
export type EpochRecord = z.output<typeof epochRecordSchema>;
export type TrainingMetrics = z.output<typeof trainingMetricsSchema>;
export type TrainingRun = z.output<typeof trainingRunSchema>;
export type TrainingProgress = z.output<typeof trainingProgressSchema>;
export type TrainingStatus = (typeof TRAINING_STATUSES)[number];
