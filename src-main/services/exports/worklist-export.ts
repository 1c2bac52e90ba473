import type { AuditLog } from '../audit/audit-log';
import type { ModelVersionRepository } from '../registry/model-version-repository';
import type { StudyRepository } from '../studies/study-repository';
import { toCsv, type CsvCell } from './csv';

/**
 * The worklist with scores as CSV. De-identified by default: no patient ID or name, accession,
 * file name or study date; those appear only when the user explicitly asks for an identified export.
 */
export function exportWorklistCsv(
  deps: { studies: StudyRepository; models: ModelVersionRepository; audit: AuditLog },
  identified: boolean,
): { fileName: string; csv: string; rows: number } {
  const active = deps.models.active('pneumonia');
  const threshold = active?.threshold ?? null;
  const { rows } = deps.studies.list({ limit: 1_000_000, offset: 0 });
  const header = [
    'study',
    ...(identified ? ['patient_id', 'patient_name', 'accession_number', 'file_name', 'study_date'] : []),
    'imported_date',
    'modality',
    'view_position',
    'label',
    'status',
    'probability',
    'threshold',
    'flagged',
    'model_version',
  ];
  const body = rows.map((row): CsvCell[] => [
    row.id,
    ...(identified ? [row.patientId, row.patientName, row.accessionNumber, row.fileName, row.studyDate] : []),
    row.importedAt.slice(0, 10),
    row.modality,
    row.viewPosition,
    row.label,
    row.status,
    row.probability === null ? null : row.probability.toFixed(4),
    row.probability === null ? null : threshold,
    row.probability === null || threshold === null ? null : row.probability >= threshold,
    row.modelVersionId,
  ]);
  deps.audit.record('export.worklist', undefined, { identified, rows: rows.length });
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return {
    fileName: `cxr-worklist-${identified ? 'IDENTIFIED-' : 'deidentified-'}${stamp}.csv`,
    csv: toCsv(header, body),
    rows: rows.length,
  };
}
