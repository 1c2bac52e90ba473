import type { Verdict } from '@shared/domain/verdict';
import type { Db } from '../db/database';
import type { ImageFormat, Label, DatasetSplit, StudyStatus } from '@shared/domain/study';
import type { DicomImageFacts as DicomImageFactsSummary, StudyDetail, StudyRow, ImageSummary } from '@shared/ipc/contract';

export interface NewStudy {
  studyUid?: string | null;
  patientId: string | null;
  patientName?: string | null;
  studyDate?: string | null;
  modality?: string | null;
  label: Label | null;
  importId: number;
}

export interface NewImage {
  contentHash: string;
  sopInstanceUid?: string | null;
  fileName: string;
  sourcePath: string;
  storedPath: string;
  format: ImageFormat;
  width: number;
  height: number;
  byteSize: number;
  datasetSplit: DatasetSplit | null;
  thumbnail: Buffer;
}

/** The DICOM attributes kept for a study (PS3.3 patient and general study modules). */
export interface DicomStudyFacts {
  studyUid: string | null;
  patientId: string | null;
  patientName: string | null;
  patientSex: string | null;
  patientBirthDate: string | null;
  patientAge: string | null;
  accessionNumber: string | null;
  studyDate: string | null;
  studyTime: string | null;
  modality: string | null;
  bodyPart: string | null;
  description: string | null;
  institution: string | null;
}

/** The DICOM attributes kept for one image (series, SOP instance, equipment, pixel encoding). */
export interface DicomImageFacts {
  sopInstanceUid: string | null;
  seriesInstanceUid: string | null;
  sopClassUid: string | null;
  transferSyntaxUid: string;
  photometric: string | null;
  frameCount: number;
  manufacturer: string | null;
  viewPosition: string | null;
  hasPixels: boolean;
  /** Why the pneumonia model must not score this image; null when it may. */
  notApplicableReason: string | null;
}

export interface StoredImage extends ImageSummary {
  studyId: number;
  storedPath: string;
}

/**
 * A study's row: its facts, its first image (the thumbnail), and the active pneumonia version's
 * prediction for the study: its best image (in scope before outside the population before
 * unusual before not applicable, then the highest score). A score from any other version is never
 * shown as current, and a version that does not apply has stored no probability (the table's CHECK).
 * A study the import found not applicable reads so before any version has scored it.
 */
const ROW_SELECT = `
  WITH first AS (SELECT study_id, MIN(id) AS image_id, COUNT(*) AS image_count FROM images GROUP BY study_id),
       active AS (SELECT id FROM model_versions WHERE task = 'pneumonia' AND is_active = 1)
  SELECT s.id, s.patient_id, s.patient_name, s.study_date, s.imported_at, s.modality, s.label, s.status, s.read_at,
         s.accession_number, first.image_count, first.image_id AS first_image_id,
         i.file_name, i.view_position, p.probability, p.model_version_id,
         COALESCE(p.verdict, CASE WHEN s.status = 'not_applicable' THEN 'not_applicable' END) AS verdict,
         COALESCE(p.verdict_reason, CASE WHEN s.status = 'not_applicable' THEN s.status_reason END) AS verdict_reason,
         p.image_id AS scored_image_id
  FROM studies s
  JOIN first ON first.study_id = s.id
  JOIN images i ON i.id = first.image_id
  LEFT JOIN predictions p ON p.id = (
    SELECT p2.id FROM predictions p2 JOIN images i2 ON i2.id = p2.image_id
    WHERE i2.study_id = s.id AND p2.model_version_id = (SELECT id FROM active)
    ORDER BY CASE p2.verdict WHEN 'in_scope' THEN 0 WHEN 'outside_population' THEN 1 WHEN 'unusual_image' THEN 2 ELSE 3 END,
             p2.probability DESC, p2.image_id
    LIMIT 1)`;

interface RowRecord {
  id: number;
  patient_id: string | null;
  patient_name: string | null;
  study_date: string | null;
  imported_at: string;
  modality: string | null;
  label: Label | null;
  status: StudyStatus;
  read_at: string | null;
  image_count: number;
  first_image_id: number;
  file_name: string;
  accession_number: string | null;
  view_position: string | null;
  probability: number | null;
  model_version_id: number | null;
  verdict: Verdict | null;
  verdict_reason: string | null;
  scored_image_id: number | null;
}

function toRow(r: RowRecord): StudyRow {
  return {
    id: r.id,
    patientId: r.patient_id,
    patientName: r.patient_name,
    fileName: r.file_name,
    studyDate: r.study_date,
    importedAt: r.imported_at,
    modality: r.modality,
    label: r.label,
    status: r.status,
    readAt: r.read_at,
    imageCount: r.image_count,
    thumbnailImageId: r.first_image_id,
    accessionNumber: r.accession_number,
    viewPosition: r.view_position,
    probability: r.verdict === 'not_applicable' ? null : r.probability,
    modelVersionId: r.model_version_id,
    verdict: r.verdict,
    verdictReason: r.verdict_reason,
    scoredImageId: r.scored_image_id,
  };
}

interface ImageRecord {
  id: number;
  study_id: number;
  file_name: string;
  format: ImageFormat;
  width: number;
  height: number;
  byte_size: number;
  dataset_split: DatasetSplit | null;
  stored_path: string;
  source_path: string;
  sop_instance_uid: string | null;
  series_instance_uid: string | null;
  sop_class_uid: string | null;
  transfer_syntax_uid: string | null;
  photometric: string | null;
  frame_count: number | null;
  manufacturer: string | null;
  view_position: string | null;
  has_pixels: number;
  not_applicable_reason: string | null;
}

function dicomFacts(r: ImageRecord): DicomImageFactsSummary | null {
  if (r.format !== 'dicom' || r.transfer_syntax_uid === null) return null;
  return {
    sopInstanceUid: r.sop_instance_uid,
    seriesInstanceUid: r.series_instance_uid,
    sopClassUid: r.sop_class_uid,
    transferSyntaxUid: r.transfer_syntax_uid,
    photometric: r.photometric,
    frameCount: r.frame_count ?? 0,
    manufacturer: r.manufacturer,
    viewPosition: r.view_position,
    hasPixels: r.has_pixels === 1,
    notApplicableReason: r.not_applicable_reason,
  };
}

interface StudyFactsRecord {
  study_uid: string | null;
  patient_sex: string | null;
  patient_birth_date: string | null;
  patient_age: string | null;
  accession_number: string | null;
  study_time: string | null;
  body_part: string | null;
  description: string | null;
  institution: string | null;
  status_reason: string | null;
}

function toImage(r: ImageRecord): StoredImage {
  return {
    id: r.id,
    studyId: r.study_id,
    fileName: r.file_name,
    format: r.format,
    width: r.width,
    height: r.height,
    byteSize: r.byte_size,
    datasetSplit: r.dataset_split,
    dicom: dicomFacts(r),
    storedPath: r.stored_path,
  };
}

/** Studies and their images. Every write that creates a study does so in one transaction. */
export class StudyRepository {
  constructor(private readonly db: Db) {}

  /** Every image's path in the image store. */
  storedPaths(): Set<string> {
    return new Set(this.db.prepare('SELECT stored_path FROM images').pluck().all() as string[]);
  }

  hasImageWithHash(contentHash: string): boolean {
    return this.db.prepare('SELECT 1 FROM images WHERE content_hash = ?').get(contentHash) !== undefined;
  }

  /** Inserts a study with its first image atomically; returns null when the content hash is already present. */
  addStudyWithImage(study: NewStudy, image: NewImage, now = new Date().toISOString()): number | null {
    const insertStudy = this.db.prepare(`
      INSERT INTO studies (study_uid, patient_id, patient_name, study_date, modality, label, import_id, imported_at)
      VALUES (@studyUid, @patientId, @patientName, @studyDate, @modality, @label, @importId, @now)`);
    const insertImage = this.db.prepare(`
      INSERT INTO images (study_id, sop_instance_uid, content_hash, file_name, source_path, stored_path, format,
                          width, height, byte_size, dataset_split, thumbnail, created_at)
      VALUES (@studyId, @sopInstanceUid, @contentHash, @fileName, @sourcePath, @storedPath, @format,
              @width, @height, @byteSize, @datasetSplit, @thumbnail, @now)`);
    return this.db.transaction(() => {
      if (this.hasImageWithHash(image.contentHash)) return null;
      const studyId = Number(
        insertStudy.run({
          studyUid: study.studyUid ?? null,
          patientId: study.patientId,
          patientName: study.patientName ?? null,
          studyDate: study.studyDate ?? null,
          modality: study.modality ?? null,
          label: study.label,
          importId: study.importId,
          now,
        }).lastInsertRowid,
      );
      insertImage.run({ ...image, sopInstanceUid: image.sopInstanceUid ?? null, studyId, now });
      return studyId;
    }).immediate();
  }

  hasImageWithSopUid(sopInstanceUid: string): boolean {
    return this.db.prepare('SELECT 1 FROM images WHERE sop_instance_uid = ?').get(sopInstanceUid) !== undefined;
  }

  /**
   * Adds a DICOM image atomically: to the study with the same Study Instance UID if there is one,
   * else to a new study. Returns null when its content hash or SOP Instance UID is already present.
   * A study is "not applicable" only while none of its images may be scored.
   */
  addDicomImage(
    study: DicomStudyFacts,
    image: Omit<NewImage, 'sopInstanceUid'> & DicomImageFacts,
    importId: number,
    now = new Date().toISOString(),
  ): { studyId: number; newStudy: boolean } | null {
    const insertStudy = this.db.prepare(`
      INSERT INTO studies (study_uid, patient_id, patient_name, patient_sex, patient_birth_date, patient_age,
                           accession_number, study_date, study_time, modality, body_part, description, institution,
                           status, status_reason, import_id, imported_at)
      VALUES (@studyUid, @patientId, @patientName, @patientSex, @patientBirthDate, @patientAge,
              @accessionNumber, @studyDate, @studyTime, @modality, @bodyPart, @description, @institution,
              @status, @statusReason, @importId, @now)`);
    const insertImage = this.db.prepare(`
      INSERT INTO images (study_id, sop_instance_uid, content_hash, file_name, source_path, stored_path, format,
                          width, height, byte_size, dataset_split, view_position, thumbnail, created_at,
                          series_instance_uid, sop_class_uid, transfer_syntax_uid, photometric, frame_count,
                          manufacturer, has_pixels, not_applicable_reason)
      VALUES (@studyId, @sopInstanceUid, @contentHash, @fileName, @sourcePath, @storedPath, @format,
              @width, @height, @byteSize, @datasetSplit, @viewPosition, @thumbnail, @now,
              @seriesInstanceUid, @sopClassUid, @transferSyntaxUid, @photometric, @frameCount,
              @manufacturer, @hasPixels, @notApplicableReason)`);
    return this.db.transaction(() => {
      if (this.hasImageWithHash(image.contentHash)) return null;
      if (image.sopInstanceUid && this.hasImageWithSopUid(image.sopInstanceUid)) return null;
      const existing = study.studyUid
        ? (this.db.prepare('SELECT id FROM studies WHERE study_uid = ?').pluck().get(study.studyUid) as number | undefined)
        : undefined;
      let studyId = existing;
      if (studyId === undefined) {
        studyId = Number(
          insertStudy.run({
            ...study,
            status: image.notApplicableReason ? 'not_applicable' : 'new',
            statusReason: image.notApplicableReason,
            importId,
            now,
          }).lastInsertRowid,
        );
      } else if (!image.notApplicableReason) {
        this.db
          .prepare("UPDATE studies SET status = 'new', status_reason = NULL WHERE id = ? AND status = 'not_applicable'")
          .run(studyId);
      }
      insertImage.run({ ...image, hasPixels: image.hasPixels ? 1 : 0, studyId, now });
      return { studyId, newStudy: existing === undefined };
    }).immediate();
  }

  count(): number {
    return this.db.prepare('SELECT COUNT(*) FROM studies').pluck().get() as number;
  }

  list(options: { search?: string; limit: number; offset: number }): { total: number; rows: StudyRow[] } {
    const search = options.search?.trim();
    const where = search
      ? `WHERE s.patient_id LIKE @pattern ESCAPE '\\' OR s.patient_name LIKE @pattern ESCAPE '\\'
           OR EXISTS (SELECT 1 FROM images i WHERE i.study_id = s.id AND i.file_name LIKE @pattern ESCAPE '\\')`
      : '';
    const pattern = search ? `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
    const params = { pattern, limit: options.limit, offset: options.offset };
    const total = this.db
      .prepare(`SELECT COUNT(*) FROM studies s ${where}`)
      .pluck()
      .get(pattern === undefined ? {} : { pattern }) as number;
    const rows = this.db
      .prepare(`${ROW_SELECT} ${where} ORDER BY s.imported_at DESC, s.id DESC LIMIT @limit OFFSET @offset`)
      .all(pattern === undefined ? { limit: params.limit, offset: params.offset } : params) as RowRecord[];
    return { total, rows: rows.map(toRow) };
  }

  get(studyId: number): StudyDetail | null {
    const row = this.db.prepare(`${ROW_SELECT} WHERE s.id = ?`).get(studyId) as RowRecord | undefined;
    if (!row) return null;
    const images = (
      this.db.prepare('SELECT * FROM images WHERE study_id = ? ORDER BY id').all(studyId) as ImageRecord[]
    );
    const facts = this.db
      .prepare(
        `SELECT study_uid, patient_sex, patient_birth_date, patient_age, accession_number, study_time, body_part,
                description, institution, status_reason FROM studies WHERE id = ?`,
      )
      .get(studyId) as StudyFactsRecord;
    const isDicom = images.some((image) => image.format === 'dicom');
    return {
      ...toRow(row),
      statusReason: facts.status_reason,
      dicom: isDicom
        ? {
            studyUid: facts.study_uid,
            patientSex: facts.patient_sex,
            patientBirthDate: facts.patient_birth_date,
            patientAge: facts.patient_age,
            accessionNumber: facts.accession_number,
            studyTime: facts.study_time,
            bodyPart: facts.body_part,
            description: facts.description,
            institution: facts.institution,
          }
        : null,
      sourcePath: images[0]?.source_path ?? '',
      images: images.map((r) => {
        const { studyId: _s, storedPath: _p, ...summary } = toImage(r);
        return summary;
      }),
    };
  }

  getImage(imageId: number): StoredImage | null {
    const r = this.db.prepare('SELECT * FROM images WHERE id = ?').get(imageId) as ImageRecord | undefined;
    return r ? toImage(r) : null;
  }

  /**
   * Marks a study read (or back to new); returns false when there is no such study. A study the
   * model does not apply to stays "not applicable" and only records when it was read.
   */
  setStatus(studyId: number, status: 'new' | 'read'): boolean {
    return (
      this.db
        .prepare(
          `UPDATE studies SET status = CASE WHEN status = 'not_applicable' THEN status ELSE ? END,
                              read_at = CASE WHEN ? = 'read' THEN ? ELSE NULL END
           WHERE id = ?`,
        )
        .run(status, status, new Date().toISOString(), studyId).changes === 1
    );
  }

  statusOf(studyId: number): StudyStatus | null {
    return (this.db.prepare('SELECT status FROM studies WHERE id = ?').pluck().get(studyId) as StudyStatus | undefined) ?? null;
  }

  /** The stored thumbnails of these images, in one query; ids with no image are left out. */
  getThumbnails(imageIds: readonly number[]): { imageId: number; thumbnail: Buffer }[] {
    return this.db
      .prepare('SELECT id AS imageId, thumbnail FROM images WHERE id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(imageIds)) as { imageId: number; thumbnail: Buffer }[];
  }
}
