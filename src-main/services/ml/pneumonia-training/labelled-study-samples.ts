import type { Population } from '@shared/ipc/pneumonia-contract';
import type { Db } from '../../db/database';
import type { ImageStore } from '../../imaging/image-store';
import { PneumoniaDataError } from '../pneumonia/pneumonia-data-error';
import type { PneumoniaSample } from '../pneumonia/pneumonia-sample';
import { ageInYears } from '../../predictions/patient-age';

/** Training samples from the studies in the database that carry a ground-truth label. */
export class LabelledStudySamples {
  constructor(
    private readonly db: Db,
    private readonly store: ImageStore,
  ) {}

  counts(): { normal: number; pneumonia: number } {
    const rows = this.db
      .prepare(`SELECT s.label, COUNT(*) AS n FROM images i JOIN studies s ON s.id = i.study_id WHERE s.label IS NOT NULL AND i.has_pixels = 1 GROUP BY s.label`)
      .all() as { label: 'normal' | 'pneumonia'; n: number }[];
    return { normal: rows.find((r) => r.label === 'normal')?.n ?? 0, pneumonia: rows.find((r) => r.label === 'pneumonia')?.n ?? 0 };
  }

  /** Every labelled image, or those of the given studies; each study's patient id keeps its images on one side of a split. */
  list(studyIds?: readonly number[]): PneumoniaSample[] {
    const rows = this.db
      .prepare(
        `SELECT i.study_id, i.stored_path, i.format, i.dataset_split, i.content_hash, s.label, s.patient_id
         FROM images i JOIN studies s ON s.id = i.study_id
         WHERE s.label IS NOT NULL AND i.has_pixels = 1 ORDER BY i.id`,
      )
      .all() as {
      study_id: number;
      stored_path: string;
      format: PneumoniaSample['format'];
      dataset_split: PneumoniaSample['split'];
      content_hash: string;
      label: 'normal' | 'pneumonia';
      patient_id: string | null;
    }[];
    const wanted = studyIds ? new Set(studyIds) : null;
    const chosen = wanted ? rows.filter((r) => wanted.has(r.study_id)) : rows;
    if (wanted && chosen.length === 0) throw new PneumoniaDataError('None of the chosen studies has a ground-truth label (normal or pneumonia).');
    return chosen.map((r) => ({
      path: this.store.resolve(r.stored_path),
      format: r.format,
      label: r.label === 'pneumonia' ? 1 : 0,
      // Without a patient id, the study stands for its patient: its images still stay together.
      patientId: r.patient_id ?? `study:${r.study_id}`,
      split: r.dataset_split,
      contentHash: r.content_hash,
    }));
  }

  /**
   * What a version trained on these studies will have seen, from their DICOM attributes: the
   * modalities and frontal views present, and the age range where most studies record an age
   * (with fewer, the range would claim more than the data shows, so none is recorded).
   */
  population(studyIds?: readonly number[]): Population {
    const rows = this.db
      .prepare(
        `SELECT s.id, s.modality, s.patient_age, s.patient_birth_date, s.study_date, i.view_position
         FROM images i JOIN studies s ON s.id = i.study_id
         WHERE s.label IS NOT NULL AND i.has_pixels = 1`,
      )
      .all() as { id: number; modality: string | null; patient_age: string | null; patient_birth_date: string | null; study_date: string | null; view_position: string | null }[];
    const wanted = studyIds ? new Set(studyIds) : null;
    const chosen = wanted ? rows.filter((r) => wanted.has(r.id)) : rows;
    const distinct = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => !!v).map((v) => v.trim().toUpperCase()))].sort();
    const views = distinct(chosen.map((r) => r.view_position)).filter((v) => v === 'PA' || v === 'AP');
    const ages = chosen.map((r) => ageInYears(r.patient_age, r.patient_birth_date, r.study_date)).filter((a): a is number => a !== null);
    const enough = chosen.length > 0 && ages.length >= 0.8 * chosen.length;
    return {
      modalities: distinct(chosen.map((r) => r.modality)),
      views: views.length > 0 ? views : ['PA', 'AP'],
      bodyParts: ['CHEST'],
      ageYears: enough ? { min: Math.floor(Math.min(...ages)), max: Math.floor(Math.max(...ages)) } : null,
      source: enough
        ? `DICOM ages of ${ages.length} of the ${chosen.length} training images`
        : `the training studies (${ages.length} of ${chosen.length} images record an age: too few for an age range)`,
    };
  }
}
