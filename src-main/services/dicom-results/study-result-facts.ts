import { AppError } from '@shared/ipc/errors';
import type { Verdict } from '@shared/domain/verdict';
import type { Db } from '../db/database';
import type { ModelVersionRepository } from '../registry/model-version-repository';

/** One image of a study as the version scored it: what the document states, before any file is read. */
export interface ScoredImageRow {
  imageId: number;
  storedPath: string;
  verdict: Verdict;
  reason: string | null;
  probability: number | null;
}

export interface StudyResultFacts {
  studyId: number;
  modelVersionId: number;
  modelName: string;
  trainingFingerprint: string | null;
  threshold: number;
  thresholdPreset: string;
  images: ScoredImageRow[];
  /** Everything the document states, as one string: a new document is built only when it changes. */
  contentKey: string;
}

/**
 * What the active version says of a study, read from the predictions (the one source of verdicts),
 * with the threshold in force and the preset it came from. Throws, with the reason, for a study that
 * cannot have a result document yet.
 */
export function studyResultFacts(db: Db, models: ModelVersionRepository, studyId: number): StudyResultFacts {
  const active = models.active('pneumonia');
  if (!active) throw new AppError('BAD_INPUT', 'No pneumonia model version is active: there is no result to send.');
  if (active.threshold === null) throw new AppError('BAD_INPUT', `Model version ${active.id} has no flagging threshold: set one before sending results.`);
  const rows = db
    .prepare(
      `SELECT i.id AS imageId, i.stored_path AS storedPath, i.format, p.verdict, p.verdict_reason AS reason, p.probability
       FROM images i LEFT JOIN predictions p ON p.image_id = i.id AND p.model_version_id = ?
       WHERE i.study_id = ? ORDER BY i.id`,
    )
    .all(active.id, studyId) as (ScoredImageRow & { format: string; verdict: Verdict | null })[];
  if (rows.length === 0) throw new AppError('NOT_FOUND', `Study ${studyId} has no images.`);
  if (rows.some((r) => r.format !== 'dicom')) throw new AppError('BAD_INPUT', `Study ${studyId} was not imported from DICOM: a DICOM result needs the study's DICOM identifiers.`);
  if (rows.some((r) => r.verdict === null)) throw new AppError('BAD_INPUT', `Study ${studyId} is not scored by the active version yet.`);
  const images = rows.map(({ imageId, storedPath, verdict, reason, probability }) => ({ imageId, storedPath, verdict: verdict!, reason, probability: verdict === 'not_applicable' ? null : probability }));
  const metadata = models.pneumoniaMetadata(active.id);
  const thresholdPreset = presetOf(db, active.id);
  return {
    studyId,
    modelVersionId: active.id,
    modelName: active.name,
    trainingFingerprint: metadata?.dataset.fingerprint ?? null,
    threshold: active.threshold,
    thresholdPreset,
    images,
    // A study with no assessed image states no threshold: a threshold change leaves its document as it is.
    contentKey: JSON.stringify([
      active.id,
      images.some((i) => i.probability !== null) ? [active.threshold, thresholdPreset] : null,
      images.map((i) => [i.imageId, i.verdict, i.reason, i.probability]),
    ]),
  };
}

/** The preset of the version's last threshold change (audited with it); a threshold never changed is the one the version was trained with. */
function presetOf(db: Db, versionId: number): string {
  const details = db
    .prepare("SELECT details_json FROM audit_log WHERE action = 'threshold.changed' AND entity_type = 'model_version' AND entity_id = ? ORDER BY id DESC LIMIT 1")
    .pluck()
    .get(String(versionId)) as string | undefined;
  const preset = details ? (JSON.parse(details) as { preset?: unknown }).preset : undefined;
  return typeof preset === 'string' ? preset : 'as trained (the threshold stored with the version)';
}

/**
 * Studies that arrived over DICOM and are scored by the version on every image: the ones auto-send
 * covers (a folder import has no archive to send back to; the viewer can still send one on request).
 */
export function autoSendCandidates(db: Db, versionId: number): number[] {
  return db
    .prepare(
      `SELECT s.id FROM studies s
       WHERE EXISTS (SELECT 1 FROM images i WHERE i.study_id = s.id AND i.source_path LIKE 'dicom://%')
         AND NOT EXISTS (SELECT 1 FROM images i WHERE i.study_id = s.id
                         AND (i.format != 'dicom' OR NOT EXISTS (SELECT 1 FROM predictions p WHERE p.image_id = i.id AND p.model_version_id = ?)))
       ORDER BY s.id`,
    )
    .pluck()
    .all(versionId) as number[];
}
