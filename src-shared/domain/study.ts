export const STUDY_STATUSES = ['new', 'read', 'not_applicable'] as const;
export type StudyStatus = (typeof STUDY_STATUSES)[number];

export const LABELS = ['normal', 'pneumonia'] as const;
export type Label = (typeof LABELS)[number];

export const DATASET_SPLITS = ['train', 'val', 'test'] as const;
export type DatasetSplit = (typeof DATASET_SPLITS)[number];

export const IMAGE_FORMATS = ['png', 'jpeg', 'dicom'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

export const IMPORT_STATUSES = ['running', 'completed', 'cancelled', 'failed', 'interrupted'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
