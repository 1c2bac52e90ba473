import type { DatasetSplit } from '@shared/domain/study';

/** One labelled image for training or evaluation, read from its file by the compute worker. */
export interface PneumoniaSample {
  /** A PNG/JPEG or DICOM file (an original in a folder, or the app's stored copy). */
  path: string;
  format: 'png' | 'jpeg' | 'dicom';
  /** 1 = pneumonia, 0 = normal. */
  label: 0 | 1;
  /** Training splits keep one patient's images together; null when unknown (the image is its own patient). */
  patientId: string | null;
  /** The split the source gives the image, if any. */
  split: DatasetSplit | null;
  /** SHA-256 of the file, for the dataset fingerprint. */
  contentHash: string;
}

/** What scoring returns for one image: the probability of pneumonia, what it came from, and a Grad-CAM heatmap. */
export interface ScoreResult {
  /** Calibrated: sigmoid(logit / T) with the version's temperature. */
  probability: number;
  /** The network's own logit, before calibration. */
  logit: number;
  /** The backbone's feature map averaged over space: what the feature reference judges. */
  features: Float32Array;
  /** Grad-CAM, 0–255 grayscale at the heatmap layer's size (14x14 for 224 input), row-major; background cells 0. */
  heatmap: { width: number; height: number; data: Uint8Array };
}
