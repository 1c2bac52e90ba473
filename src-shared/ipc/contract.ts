/**
 * The one IPC contract: every channel's request and response, and every event's payload, as
 * runtime schemas. Both adapters validate requests against these where they enter main.
 */
import { z } from 'zod';
import type { Channel, EventName } from './channels';
import { THUMBNAIL_BATCH_MAX, UPLOAD_CHUNK_MAX_BYTES, UPLOAD_MAX_BYTES } from './limits';
import {
  DATASET_SPLITS,
  IMAGE_FORMATS,
  IMPORT_STATUSES,
  LABELS,
  STUDY_STATUSES,
} from '../domain/study';
import { BACKEND_NAMES } from '../domain/backends';
import { VERDICTS } from '../domain/verdict';
import {
  datasetSummarySchema,
  pneumoniaDataSourceSchema,
  pneumoniaEpochRecordSchema,
  pneumoniaEvaluationSchema,
  pneumoniaModelMetadataSchema,
  pneumoniaTrainingConfigSchema,
  populationSchema,
  validationRocSchema,
} from './pneumonia-contract';
import {
  dicomNodeSettingsSchema,
  dicomNodeStatusSchema,
  dicomPeerSchema,
  studiesArrivedSchema,
} from './dicom-node-contract';
import { resultsChannels } from './results-contract';

export { BACKEND_NAMES };

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const isoTime = z.string().min(1);
const bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'expected binary data');
const empty = z.strictObject({});
const uploadId = z.string().uuid();

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
  accessionNumber: z.string().nullable(),
  viewPosition: z.string().nullable(),
  /**
   * The active model version's probability of pneumonia for the study (its best in-scope image), if
   * scored; always null when the version does not apply (verdict `not_applicable`).
   */
  probability: z.number().min(0).max(1).nullable(),
  modelVersionId: id.nullable(),
  /**
   * The active version's stored verdict for that image; `not_applicable` for a study the import found
   * not applicable even before a version scored it; otherwise null while unscored.
   */
  verdict: z.enum(VERDICTS).nullable(),
  /** Why the verdict is not `in_scope`, in words; for a study the import found not applicable, its reason even before a version scored it. */
  verdictReason: z.string().nullable(),
  /** The image the score and heatmap belong to; null while unscored. */
  scoredImageId: id.nullable(),
});

/** DICOM attributes of one image; null for PNG/JPEG. */
export const dicomImageFactsSchema = z.object({
  sopInstanceUid: z.string().nullable(),
  seriesInstanceUid: z.string().nullable(),
  sopClassUid: z.string().nullable(),
  transferSyntaxUid: z.string(),
  photometric: z.string().nullable(),
  frameCount: z.number().int().nonnegative(),
  manufacturer: z.string().nullable(),
  viewPosition: z.string().nullable(),
  hasPixels: z.boolean(),
  notApplicableReason: z.string().nullable(),
});

/** DICOM attributes of a study; null for studies imported from PNG/JPEG. */
export const dicomStudyFactsSchema = z.object({
  studyUid: z.string().nullable(),
  patientSex: z.string().nullable(),
  patientBirthDate: z.string().nullable(),
  patientAge: z.string().nullable(),
  accessionNumber: z.string().nullable(),
  studyTime: z.string().nullable(),
  bodyPart: z.string().nullable(),
  description: z.string().nullable(),
  institution: z.string().nullable(),
});

const voiPresetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('window'), name: z.string(), center: z.number(), width: z.number().positive() }),
  z.object({
    kind: z.literal('lut'),
    name: z.string(),
    firstMapped: z.number().int(),
    data: z.array(z.number()),
    bits: z.number().int().min(1).max(16),
  }),
]);

export const dicomFrameSchema = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  frames: z.number().int().positive(),
  frame: z.number().int().nonnegative(),
  photometric: z.string(),
  /** How `data` is laid out: little-endian numbers of modality values, or 8-bit RGB triplets. */
  dtype: z.enum(['int16', 'uint16', 'float32', 'rgb8']),
  data: bytes,
  min: z.number(),
  max: z.number(),
  presets: z.array(voiPresetSchema),
  defaultPreset: z.number().int().nonnegative(),
});

export const dicomTagSchema = z.object({
  tag: z.string(),
  vr: z.string(),
  name: z.string(),
  value: z.string(),
  depth: z.number().int().nonnegative(),
});

export const imageSummarySchema = z.object({
  id,
  fileName: z.string(),
  format: z.enum(IMAGE_FORMATS),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  byteSize: z.number().int().nonnegative(),
  datasetSplit: z.enum(DATASET_SPLITS).nullable(),
  dicom: dicomImageFactsSchema.nullable(),
});

export const studyDetailSchema = studyRowSchema.extend({
  sourcePath: z.string(),
  images: z.array(imageSummarySchema),
  statusReason: z.string().nullable(),
  dicom: dicomStudyFactsSchema.nullable(),
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

export const rocPointSchema = z.object({
  threshold: z.number(),
  tp: z.number().int().nonnegative(),
  fp: z.number().int().nonnegative(),
  tn: z.number().int().nonnegative(),
  fn: z.number().int().nonnegative(),
});

export const modelVersionSummarySchema = z.object({
  id,
  name: z.string(),
  architecture: z.string(),
  createdAt: isoTime,
  isActive: z.boolean(),
  threshold: z.number().min(0).max(1).nullable(),
  /** Where the evaluation figures come from, e.g. "Kaggle chest_xray test split, 104 images". */
  evaluatedOn: z.string().nullable(),
  auc: z.number().min(0).max(1).nullable(),
  rocPoints: z.array(rocPointSchema),
  intendedUse: z.string().nullable(),
  /** Validation ROC (never the test split): the presets "balanced" and "target sensitivity" are chosen on it. */
  validation: validationRocSchema.nullable(),
  population: populationSchema.nullable(),
});

export const thresholdPresetSchema = z.enum(['manual', 'screening', 'balanced', 'target-sensitivity']);

export const auditEntrySchema = z.object({
  id,
  at: isoTime,
  actor: z.string(),
  action: z.string(),
  entityType: z.string().nullable(),
  entityId: z.string().nullable(),
  details: z.unknown(),
});

export const settingsSchema = z.object({
  /** A study waiting longer than this rises to the top of the worklist, whatever its score. */
  agingLimitMinutes: z.number().int().min(5).max(7 * 24 * 60),
});

const csvExport = z.object({ fileName: z.string(), csv: z.string(), rows: z.number().int().nonnegative() });

const jobKind = z.enum(['import', 'training', 'scoring', 'pneumonia-training', 'activation']);

export const jobProgressSchema = z.object({
  jobId: z.string(),
  kind: jobKind,
  /** A scoring job's "heatmaps" phase follows its scores: every study it took on has its score by then. */
  phase: z.enum(['scanning', 'importing', 'preparing', 'training', 'evaluating', 'scoring', 'heatmaps']),
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

/** A model version with everything stored about it; `metadata` is null for versions made before training existed (fixtures). */
export const modelVersionDetailSchema = modelVersionSummarySchema.extend({
  metadata: pneumoniaModelMetadataSchema.nullable(),
  /** How many of the database's images this version has scored. */
  scoredImages: z.number().int().nonnegative(),
});

export const modelActivationSchema = z.object({
  at: isoTime,
  actor: z.string(),
  versionId: id,
  previousVersionId: id.nullable(),
});

/** Two versions' evaluations on the same test images, so they can be compared side by side. */
export const versionComparisonSchema = z.object({
  testFingerprint: z.string(),
  candidate: z.object({ versionId: id, name: z.string(), evaluation: pneumoniaEvaluationSchema }),
  /** The version that was active when the run finished, scored on the same images; null if none was. */
  active: z.object({ versionId: id, name: z.string(), evaluation: pneumoniaEvaluationSchema }).nullable(),
});

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
      limit: z.number().int().min(1).max(50_000).default(500),
      offset: z.number().int().min(0).default(0),
    }),
    response: z.object({ total: z.number().int().nonnegative(), rows: z.array(studyRowSchema) }),
  },
  'studies.get': {
    request: z.strictObject({ studyId: id }),
    response: studyDetailSchema,
  },
  'images.thumbnails': {
    request: z.strictObject({ imageIds: z.array(id).min(1).max(THUMBNAIL_BATCH_MAX) }),
    /** One entry per image that exists, in no particular order; an unknown id is left out. */
    response: z.object({ thumbnails: z.array(z.object({ imageId: id, mime: z.string(), bytes })) }),
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
  'studies.setStatus': {
    request: z.strictObject({ studyId: id, status: z.enum(['new', 'read']) }),
    response: z.object({ studyId: id, status: z.enum(STUDY_STATUSES) }),
  },
  'models.list': {
    request: empty,
    response: z.object({
      versions: z.array(modelVersionSummarySchema),
      /** A version being prepared for activation (scoring with it) and its job, if any. */
      pendingActivation: z.object({ modelVersionId: id, jobId: z.string() }).nullable(),
    }),
  },
  'models.setThreshold': {
    request: z.strictObject({
      modelVersionId: id,
      threshold: z.number().min(0).max(1),
      preset: thresholdPresetSchema.default('manual'),
    }),
    response: modelVersionSummarySchema,
  },
  'settings.get': {
    request: empty,
    response: settingsSchema,
  },
  'settings.update': {
    request: settingsSchema.partial().strict(),
    response: settingsSchema,
  },
  'audit.list': {
    request: z.strictObject({
      action: z.string().max(100).optional(),
      from: z.string().max(40).optional(),
      to: z.string().max(40).optional(),
      limit: z.number().int().min(1).max(5000).default(500),
    }),
    response: z.object({ entries: z.array(auditEntrySchema), actions: z.array(z.string()) }),
  },
  'audit.exportCsv': {
    request: z.strictObject({ identified: z.boolean().default(false) }),
    response: csvExport,
  },
  'images.heatmap': {
    request: z.strictObject({ imageId: id }),
    response: z.object({
      /** The active model version's heatmap (an image the size of the study image, or smaller), if it made one. */
      heatmap: z.object({ mime: z.string(), bytes, modelVersionId: id }).nullable(),
    }),
  },
  'worklist.exportCsv': {
    request: z.strictObject({ identified: z.boolean().default(false) }),
    response: csvExport,
  },
  'images.dicomFrame': {
    request: z.strictObject({ imageId: id, frame: z.number().int().min(0).max(100_000).default(0) }),
    response: dicomFrameSchema,
  },
  'images.dicomTags': {
    request: z.strictObject({ imageId: id }),
    response: z.object({ tags: z.array(dicomTagSchema) }),
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
  'models.get': {
    request: z.strictObject({ modelVersionId: id }),
    response: modelVersionDetailSchema,
  },
  'models.activate': {
    /** `confirm` must be true: a version is only ever activated by an explicit choice. */
    request: z.strictObject({ modelVersionId: id, confirm: z.literal(true) }),
    /**
     * The version goes live only once it has scored every applicable study, while the previous
     * version's scores stay on screen: `activated` at once when nothing is left to score, else a
     * job (kind `activation`, cancellable with jobs.cancel) whose end switches.
     */
    response: z.object({ jobId: z.string().nullable(), pending: z.number().int().nonnegative(), activated: modelVersionSummarySchema.nullable() }),
  },
  'models.rollback': {
    /** Like models.activate, for the version that was active before the latest switch. */
    request: z.strictObject({ confirm: z.literal(true) }),
    response: z.object({ jobId: z.string().nullable(), pending: z.number().int().nonnegative(), activated: modelVersionSummarySchema.nullable() }),
  },
  'models.activations': {
    request: z.strictObject({ limit: z.number().int().min(1).max(500).default(50) }),
    response: z.object({ activations: z.array(modelActivationSchema) }),
  },
  'models.export': {
    request: z.strictObject({ modelVersionId: id }),
    response: z.object({ fileName: z.string(), bytes }),
  },
  'models.import': {
    /** The file's bytes in the request (small files), or a finished chunked upload (uploads.*). */
    request: z.union([z.strictObject({ fileName: z.string().min(1).max(260), bytes }), z.strictObject({ uploadId })]),
    response: modelVersionSummarySchema,
  },
  'uploads.begin': {
    /** A file too large for one message, sent in order as chunks of at most UPLOAD_CHUNK_MAX_BYTES. */
    request: z.strictObject({ fileName: z.string().min(1).max(260), size: z.number().int().nonnegative().max(UPLOAD_MAX_BYTES) }),
    response: z.object({ uploadId, chunkBytes: z.number().int().positive() }),
  },
  'uploads.chunk': {
    request: z.strictObject({
      uploadId,
      offset: z.number().int().nonnegative().max(UPLOAD_MAX_BYTES),
      bytes: bytes.refine((b) => b.byteLength > 0 && b.byteLength <= UPLOAD_CHUNK_MAX_BYTES, `a chunk holds 1 to ${UPLOAD_CHUNK_MAX_BYTES} bytes`),
    }),
    response: z.object({ received: z.number().int().nonnegative() }),
  },
  'uploads.finish': {
    request: z.strictObject({ uploadId }),
    response: z.object({ uploadId, size: z.number().int().nonnegative() }),
  },
  'uploads.abort': {
    request: z.strictObject({ uploadId }),
    response: z.object({ aborted: z.boolean() }),
  },
  'scoring.start': {
    /** Scores every image the active version has not scored yet. */
    request: empty,
    response: z.object({ jobId: z.string().nullable(), pending: z.number().int().nonnegative() }),
  },
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
  'dicomNode.status': {
    request: empty,
    response: dicomNodeStatusSchema,
  },
  'dicomNode.settings.get': {
    request: empty,
    response: dicomNodeSettingsSchema,
  },
  'dicomNode.settings.update': {
    /** Any subset of the settings; the listener restarts with the result (or stops when disabled). */
    request: dicomNodeSettingsSchema.partial(),
    response: z.object({ settings: dicomNodeSettingsSchema, status: dicomNodeStatusSchema }),
  },
  'dicomNode.echo': {
    /** A C-ECHO from this node's AE title to the peer: proves the network path and the peer's configuration. */
    request: z.strictObject({ peer: dicomPeerSchema }),
    response: z.object({ roundTripMs: z.number().nonnegative() }),
  },
  ...resultsChannels,
} satisfies Record<Channel, { request: z.ZodType; response: z.ZodType }>;

export const eventSchemas = {
  'job.progress': jobProgressSchema,
  'job.finished': jobFinishedSchema,
  'training.progress': trainingProgressSchema,
  'pneumonia.progress': pneumoniaProgressSchema,
  /** DICOM instances were stored by the DICOM node: the worklist can refresh. Scores follow as scoring jobs finish. */
  'studies.arrived': studiesArrivedSchema,
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
export type ModelVersionSummary = z.output<typeof modelVersionSummarySchema>;
export type AuditEntryData = z.output<typeof auditEntrySchema>;
export type Settings = z.output<typeof settingsSchema>;
export type ThresholdPreset = z.output<typeof thresholdPresetSchema>;
export type JobProgress = z.output<typeof jobProgressSchema>;
export type JobFinished = z.output<typeof jobFinishedSchema>;
export type DicomFrame = z.output<typeof dicomFrameSchema>;
export type DicomTag = z.output<typeof dicomTagSchema>;
export type DicomImageFacts = z.output<typeof dicomImageFactsSchema>;
export type BackendReport = z.output<typeof backendReportSchema>;
export type TrainingConfig = z.output<typeof trainingConfigSchema>;
export type EpochRecord = z.output<typeof epochRecordSchema>;
export type TrainingMetrics = z.output<typeof trainingMetricsSchema>;
export type TrainingRun = z.output<typeof trainingRunSchema>;
export type TrainingProgress = z.output<typeof trainingProgressSchema>;
export type TrainingStatus = (typeof TRAINING_STATUSES)[number];
export type ModelVersionDetail = z.output<typeof modelVersionDetailSchema>;
export type ModelActivation = z.output<typeof modelActivationSchema>;
export type VersionComparison = z.output<typeof versionComparisonSchema>;
export type PneumoniaRun = z.output<typeof pneumoniaRunSchema>;
export type PneumoniaProgress = z.output<typeof pneumoniaProgressSchema>;
export type DataPreview = z.output<typeof dataPreviewSchema>;
