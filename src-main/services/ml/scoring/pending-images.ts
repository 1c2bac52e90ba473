import type { ImageFacts } from '../../predictions/applicability';
import type { ScoreRequestImage } from '../runtime/worker-protocol';

/** Images (with the facts applicability is decided on) that the version (the one parameter) has no prediction for. */
export const PENDING_IMAGES = `
  SELECT i.id, i.stored_path, i.format, i.has_pixels, i.not_applicable_reason, i.view_position,
         s.modality, s.body_part, s.patient_age, s.patient_birth_date, s.study_date
  FROM images i JOIN studies s ON s.id = i.study_id
  WHERE NOT EXISTS (SELECT 1 FROM predictions p WHERE p.image_id = i.id AND p.model_version_id = ?)`;

/**
 * Images the version scored (and found applicable) whose heatmap is still to be drawn: scoring
 * records the probability first and the heatmap after (the version is the one parameter).
 */
export const MISSING_HEATMAPS = `
  SELECT i.id, i.stored_path, i.format
  FROM predictions p JOIN images i ON i.id = p.image_id
  WHERE p.model_version_id = ? AND p.verdict != 'not_applicable' AND p.heatmap IS NULL`;

export interface PendingImageRecord {
  id: number;
  stored_path: string;
  format: ScoreRequestImage['format'];
  has_pixels: number;
  not_applicable_reason: string | null;
  view_position: string | null;
  modality: string | null;
  body_part: string | null;
  patient_age: string | null;
  patient_birth_date: string | null;
  study_date: string | null;
}

export function toFacts(r: PendingImageRecord): ImageFacts {
  return {
    hasPixels: r.has_pixels === 1,
    notApplicableReason: r.not_applicable_reason,
    modality: r.modality,
    bodyPart: r.body_part,
    viewPosition: r.view_position,
    patientAge: r.patient_age,
    patientBirthDate: r.patient_birth_date,
    studyDate: r.study_date,
  };
}
