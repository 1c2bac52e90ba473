import type { AuditLog } from '../audit/audit-log';
import type { ModelVersionRepository } from '../registry/model-version-repository';
import type { StudyRepository } from '../studies/study-repository';
import { flagState, isFlagged } from '@shared/metrics/triage-priority';
import { toCsv, type CsvCell } from './csv';

/**
 * The worklist with scores as CSV; the flag and the verdict come from the same rule the worklist
 * uses (a study the version does not apply to has no probability and is never flagged). De-identified by default: no patient ID or name, accession,
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
    'verdict',
    'verdict_reason',
    'probability',
    'threshold',
    'flag_state',
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
    row.verdict,
    row.verdictReason,
    row.probability === null ? null : row.probability.toFixed(4),
    row.probability === null ? null : threshold,
    flagState(row, threshold),
    isFlagged(row, threshold),
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
