/**
 * The studies and their images: the worklist rows, a study's detail, display images, DICOM frames and tags.
 */
import { z } from 'zod';
import { type ChannelMap, bytes, csvExport, id, isoTime } from './contract-primitives';
import { THUMBNAIL_BATCH_MAX } from './limits';
import { DATASET_SPLITS, IMAGE_FORMATS, LABELS, STUDY_STATUSES } from '../domain/study';
import { VERDICTS } from '../domain/verdict';

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
  /** When a reader marked it read (a not-applicable study keeps that status and records only this); null while unread. */
  readAt: isoTime.nullable(),
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
  /** How `data` is laid out: little-endian numbers of modality values, 8-bit RGB triplets, or palette indices (8 or 16 bits). */
  dtype: z.enum(['uint8', 'int16', 'uint16', 'float32', 'rgb8', 'palette8', 'palette16']),
  data: bytes,
  /** Palette colour: the RGB triplet of every possible index. */
  palette: bytes.optional(),
  min: z.number(),
  max: z.number(),
  presets: z.array(voiPresetSchema),
  defaultPreset: z.number().int().nonnegative(),
  /** Patient Orientation (0020,0020), e.g. "L\\F", and Image Laterality (0020,0062): the viewer's side markers. */
  orientation: z.string().nullable().default(null),
  laterality: z.string().nullable().default(null),
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

export const studyChannels = {
  'studies.list': {
    request: z.strictObject({
      search: z.string().max(200).optional(),
      limit: z.number().int().min(1).max(50_000).default(500),
      offset: z.number().int().min(0).default(0),
    }),
    response: z.object({ total: z.number().int().nonnegative(), rows: z.array(studyRowSchema) }),
  },
  'studies.get': {
    /** A prefetch (the viewer loading the next study ahead) is not an opening: only `open` is audited. */
    request: z.strictObject({ studyId: id, purpose: z.enum(['open', 'prefetch']).default('open') }),
    response: studyDetailSchema,
  },
  'studies.setStatus': {
    request: z.strictObject({ studyId: id, status: z.enum(['new', 'read']) }),
    response: z.object({ studyId: id, status: z.enum(STUDY_STATUSES) }),
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
  'images.heatmap': {
    request: z.strictObject({ imageId: id }),
    response: z.object({
      /** The active model version's heatmap (an image the size of the study image, or smaller), if it made one. */
      heatmap: z.object({ mime: z.string(), bytes, modelVersionId: id }).nullable(),
    }),
  },
  'images.dicomFrame': {
    request: z.strictObject({ imageId: id, frame: z.number().int().min(0).max(100_000).default(0) }),
    response: dicomFrameSchema,
  },
  'images.dicomTags': {
    request: z.strictObject({ imageId: id }),
    response: z.object({ tags: z.array(dicomTagSchema) }),
  },
  'worklist.exportCsv': {
    request: z.strictObject({ identified: z.boolean().default(false) }),
    response: csvExport,
  },
} satisfies ChannelMap;

export type StudyRow = z.output<typeof studyRowSchema>;
export type DicomImageFacts = z.output<typeof dicomImageFactsSchema>;
export type DicomFrame = z.output<typeof dicomFrameSchema>;
export type DicomTag = z.output<typeof dicomTagSchema>;
export type ImageSummary = z.output<typeof imageSummarySchema>;
export type StudyDetail = z.output<typeof studyDetailSchema>;
