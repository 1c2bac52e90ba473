/**
 * Schemas of the pneumonia model: its preprocessing, training configuration, evaluation and the
 * metadata stored with each version. Shared by the training code in the compute worker, the
 * model registry and the renderer's fine-tuning screen.
 */
import { z } from 'zod';
import { BACKEND_NAMES } from '../domain/backends';

const unit = z.number().min(0).max(1);
const count = z.number().int().nonnegative();

export const BACKBONE_KINDS = ['mobilenetv2', 'vgg16'] as const;
export type BackboneKind = (typeof BACKBONE_KINDS)[number];

/**
 * How an image becomes the model's input. Stored in the model's metadata and read back from it
 * by training, evaluation and scoring alike, so a model and its preprocessing cannot disagree.
 */
export const preprocessingSpecSchema = z.strictObject({
  /** X-rays are grayscale; ImageNet backbones expect three channels: the grey value is copied. */
  colour: z.literal('grayscale-to-rgb'),
  width: z.number().int().positive().max(1024),
  height: z.number().int().positive().max(1024),
  resize: z.literal('bilinear'),
  /**
   * `mobilenet`: x / 127.5 - 1 (Keras mobilenet_v2.preprocess_input).
   * `caffe`: RGB to BGR minus the ImageNet channel means (Keras vgg16.preprocess_input).
   * `unit`: x / 255 (a backbone trained from scratch).
   */
  normalisation: z.enum(['mobilenet', 'caffe', 'unit']),
});

export const backboneSourceSchema = z.strictObject({
  kind: z.enum(BACKBONE_KINDS),
  /**
   * Where pretrained weights come from: a TensorFlow.js layers model folder (or its model.json),
   * or a Keras notop `.h5` for VGG16. Null trains from scratch (the UI warns what that means).
   */
  weightsPath: z.string().min(1).max(4096).nullable(),
});

export const pneumoniaDataSourceSchema = z.discriminatedUnion('kind', [
  /** A folder in the Kaggle layout: train/ val/ test/ x NORMAL/ PNEUMONIA/. */
  z.strictObject({ kind: z.literal('folder'), path: z.string().min(1).max(4096) }),
  /** Labelled studies already in the database (their dataset split, if any, is honoured). */
  z.strictObject({ kind: z.literal('studies'), studyIds: z.array(z.number().int().positive()).max(1_000_000).optional() }),
]);

export const phaseConfigSchema = z.strictObject({
  epochs: z.number().int().min(0).max(500),
  learningRate: z.number().positive().max(1),
  earlyStoppingPatience: z.number().int().min(1).max(100),
  reduceLrPatience: z.number().int().min(1).max(100),
});

export const pneumoniaTrainingConfigSchema = z.strictObject({
  backbone: backboneSourceSchema,
  data: pneumoniaDataSourceSchema,
  /** Fine-tune from an existing version's weights instead of a fresh head. */
  baseVersionId: z.number().int().positive().nullable().default(null),
  batchSize: z.number().int().min(1).max(256).default(16),
  augment: z.boolean().default(true),
  /** Class weights from the class counts (the textbook's answer to 3:1 imbalance). */
  classWeights: z.boolean().default(true),
  /** Phase 1: backbone frozen, Adam 1e-3, early stopping on val AUC (patience 5), LR x0.5 after 3. */
  phase1: phaseConfigSchema.default({ epochs: 10, learningRate: 1e-3, earlyStoppingPatience: 5, reduceLrPatience: 3 }),
  /** Phase 2: the backbone's last block unfrozen, Adam 1e-5, patience 7, LR x0.5 after 4. */
  phase2: phaseConfigSchema.default({ epochs: 5, learningRate: 1e-5, earlyStoppingPatience: 7, reduceLrPatience: 4 }),
  /** Used when the validation set is missing or smaller than `minValidationImages`: that share of patients. */
  validationFraction: z.number().min(0.05).max(0.5).default(0.15),
  minValidationImages: z.number().int().min(0).max(100_000).default(50),
  /** The operating threshold of the new version (the textbook's 0.30). */
  threshold: unit.default(0.3),
  /** Sensitivity the evaluation reports a threshold for. */
  targetSensitivity: unit.default(0.95),
  /**
   * The patients' ages (years, inclusive) for a folder of images, which carry none: recorded as the
   * version's population. Null: not stated (the Kermany dataset's own description is used when the
   * folder is that dataset).
   */
  populationAgeYears: z
    .strictObject({ min: z.number().min(0).max(150), max: z.number().min(0).max(150) })
    .refine((r) => r.min <= r.max, { message: 'the lowest age is above the highest' })
    .nullable()
    .default(null),
  /** Use at most this many training images (a quick run); null for all. */
  maxTrainImages: z.number().int().positive().nullable().default(null),
  seed: z.number().int().nonnegative().default(42),
  name: z.string().trim().min(1).max(120).optional(),
  /** Force a backend; otherwise the best available. */
  backend: z.enum(BACKEND_NAMES).optional(),
});

export const classCountsSchema = z.strictObject({ normal: count, pneumonia: count });

export const datasetSummarySchema = z.strictObject({
  /** Hash of the sorted content hashes, labels and splits of every image used. */
  fingerprint: z.string(),
  source: z.string(),
  train: classCountsSchema,
  val: classCountsSchema,
  test: classCountsSchema,
  /** `given`: the source's own validation split; `by-patient`: carved from train, one patient's images together. */
  validationSplit: z.enum(['given', 'by-patient']),
  patients: z.strictObject({ train: count, val: count, test: count }),
});

export const pneumoniaEpochRecordSchema = z.strictObject({
  phase: z.union([z.literal(1), z.literal(2)]),
  epoch: z.number().int().nonnegative(),
  loss: z.number(),
  accuracy: z.number(),
  auc: z.number(),
  valLoss: z.number(),
  valAccuracy: z.number(),
  valAuc: z.number(),
  learningRate: z.number(),
  seconds: z.number().nonnegative(),
});

export const rocPointCountsSchema = z.strictObject({ threshold: z.number(), tp: count, fp: count, tn: count, fn: count });

export const operatingPointSchema = z.strictObject({
  threshold: unit,
  sensitivity: unit,
  specificity: unit,
  precision: unit,
  f1: unit,
  tp: count,
  fp: count,
  tn: count,
  fn: count,
});

export const classReportRowSchema = z.strictObject({
  name: z.string(),
  precision: unit,
  recall: unit,
  f1: unit,
  support: count,
});

export const calibrationBinSchema = z.strictObject({
  lower: unit,
  upper: unit,
  count,
  meanPredicted: unit,
  fractionPositive: unit,
});

export const pneumoniaEvaluationSchema = z.strictObject({
  evaluatedOn: z.string(),
  images: count,
  auc: unit,
  rocPoints: z.array(rocPointCountsSchema),
  /** At the version's threshold. */
  atThreshold: operatingPointSchema,
  report: z.array(classReportRowSchema),
  calibration: z.strictObject({ bins: z.array(calibrationBinSchema), ece: unit }),
  targetSensitivity: z.strictObject({ target: unit, point: operatingPointSchema.nullable() }),
  /** Mean scoring time per image during evaluation, preprocessing included. */
  msPerImage: z.number().nonnegative(),
});

/**
 * What a version was trained on, so each image it scores gets a verdict (in scope, or outside its
 * population with the reason). Lists are DICOM values (Modality, View Position, Body Part
 * Examined); an empty list means "not restricted". Ages in years, inclusive.
 */
export const populationSchema = z.strictObject({
  modalities: z.array(z.string().max(16)).max(20),
  views: z.array(z.string().max(16)).max(20),
  bodyParts: z.array(z.string().max(64)).max(20),
  ageYears: z.strictObject({ min: z.number().min(0).max(150), max: z.number().min(0).max(150) }).nullable(),
  /** Where the figures come from: "DICOM ages of the training studies", "dataset description (Kermany 2018)". */
  source: z.string().max(500),
});

export const reliabilitySchema = z.strictObject({ bins: z.array(calibrationBinSchema), ece: unit });

/**
 * Temperature scaling (Guo et al. 2017): p = sigmoid(logit / T), T fitted on validation scores
 * (never the test split) and applied in scoring, evaluation and the threshold panel.
 */
export const probabilityCalibrationSchema = z.strictObject({
  method: z.literal('temperature'),
  temperature: z.number().positive().max(1000),
  fittedOn: z.string(),
  /** Reliability on the data it was fitted on, before and after. */
  validation: z.strictObject({ before: reliabilitySchema, after: reliabilitySchema }),
  /** Reliability on the test split, before and after: the independent check. */
  test: z.strictObject({ before: reliabilitySchema, after: reliabilitySchema }).nullable(),
});

/** The validation (out-of-sample, never test) scores' ROC: where the threshold presets come from. */
export const validationRocSchema = z.strictObject({
  evaluatedOn: z.string(),
  images: count,
  auc: unit,
  rocPoints: z.array(rocPointCountsSchema),
});

/** A summary of the version's feature reference (the full reference lives in feature-reference.json). */
export const featureReferenceSummarySchema = z.strictObject({
  file: z.literal('feature-reference.json'),
  method: z.string(),
  fittedOn: z.string(),
  cutoffSetOn: z.string(),
  /** Share of the held-out in-population images beyond the cut-off (the false-alarm rate it was set for). */
  heldOutUnusualRate: unit,
});

export const pneumoniaModelMetadataSchema = z.object({
  format: z.literal('cxr-triage-pneumonia-model'),
  formatVersion: z.literal(1),
  task: z.literal('pneumonia'),
  architecture: z.string(),
  backbone: z.strictObject({
    kind: z.enum(BACKBONE_KINDS),
    pretrained: z.boolean(),
    weightsSource: z.string().nullable(),
    /** Layer names of the block unfrozen in phase 2. */
    lastBlockLayers: z.array(z.string()),
  }),
  preprocessing: preprocessingSpecSchema,
  classNames: z.tuple([z.literal('normal'), z.literal('pneumonia')]),
  trainingConfig: pneumoniaTrainingConfigSchema,
  dataset: datasetSummarySchema,
  history: z.array(pneumoniaEpochRecordSchema),
  evaluation: pneumoniaEvaluationSchema,
  threshold: unit,
  backend: z.string(),
  intendedUse: z.string(),
  createdAt: z.string(),
  /** Absent in versions made before populations were recorded: then only the modality/body-part rules apply. */
  population: populationSchema.optional(),
  calibration: probabilityCalibrationSchema.optional(),
  validation: validationRocSchema.optional(),
  featureReference: featureReferenceSummarySchema.optional(),
  /** The feature map Grad-CAM is taken on (a 14x14 map for 224 inputs). */
  heatmapLayer: z.string().optional(),
});

export type PreprocessingSpec = z.output<typeof preprocessingSpecSchema>;
export type BackboneSource = z.output<typeof backboneSourceSchema>;
export type PneumoniaDataSource = z.output<typeof pneumoniaDataSourceSchema>;
export type PneumoniaTrainingConfig = z.output<typeof pneumoniaTrainingConfigSchema>;
export type PneumoniaTrainingConfigInput = z.input<typeof pneumoniaTrainingConfigSchema>;
export type ClassCounts = z.output<typeof classCountsSchema>;
export type DatasetSummary = z.output<typeof datasetSummarySchema>;
export type PneumoniaEpochRecord = z.output<typeof pneumoniaEpochRecordSchema>;
export type OperatingPoint = z.output<typeof operatingPointSchema>;
export type CalibrationBin = z.output<typeof calibrationBinSchema>;
export type PneumoniaEvaluation = z.output<typeof pneumoniaEvaluationSchema>;
export type PneumoniaModelMetadata = z.output<typeof pneumoniaModelMetadataSchema>;
export type Population = z.output<typeof populationSchema>;
export type ProbabilityCalibration = z.output<typeof probabilityCalibrationSchema>;
export type ValidationRoc = z.output<typeof validationRocSchema>;
export type FeatureReferenceSummary = z.output<typeof featureReferenceSummarySchema>;
