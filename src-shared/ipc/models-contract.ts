/**
 * Model versions: the registry, thresholds and their presets, activation and rollback, export and import, scoring.
 */
import { z } from 'zod';
import { type ChannelMap, bytes, empty, id, isoTime, uploadId } from './contract-primitives';
import { pneumoniaEvaluationSchema, pneumoniaModelMetadataSchema, populationSchema, validationRocSchema } from './pneumonia-contract';

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

export const modelChannels = {
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
  'scoring.start': {
    /** Scores every image the active version has not scored yet. */
    request: empty,
    response: z.object({ jobId: z.string().nullable(), pending: z.number().int().nonnegative() }),
  },
} satisfies ChannelMap;

export type ModelVersionSummary = z.output<typeof modelVersionSummarySchema>;
export type ThresholdPreset = z.output<typeof thresholdPresetSchema>;
export type ModelVersionDetail = z.output<typeof modelVersionDetailSchema>;
export type ModelActivation = z.output<typeof modelActivationSchema>;
export type VersionComparison = z.output<typeof versionComparisonSchema>;
