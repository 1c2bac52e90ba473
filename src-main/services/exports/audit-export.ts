import type { AuditLog } from '../audit/audit-log';
import type { Db } from '../db/database';
import { toCsv } from './csv';

/** The audit log as CSV; an identified export adds the patient ID of each study entry. */
export function exportAuditCsv(deps: { db: Db; audit: AuditLog }, identified: boolean): { fileName: string; csv: string; rows: number } {
  const entries = deps.audit.recent(1_000_000);
  const patientOf = deps.db.prepare('SELECT patient_id FROM studies WHERE id = ?').pluck();
  const header = ['id', 'at', 'actor', 'action', 'entity_type', 'entity_id', ...(identified ? ['patient_id'] : []), 'details'];
  const rows = entries.map((e) => [
    e.id,
    e.at,
    e.actor,
    e.action,
    e.entityType,
    e.entityId,
    ...(identified ? [e.entityType === 'study' ? ((patientOf.get(Number(e.entityId)) as string | null) ?? null) : null] : []),
    e.details === null ? null : JSON.stringify(e.details),
  ]);
  deps.audit.record('export.audit', undefined, { identified, rows: entries.length });
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return { fileName: `cxr-audit-${identified ? 'IDENTIFIED-' : 'deidentified-'}${stamp}.csv`, csv: toCsv(header, rows), rows: entries.length };
}
