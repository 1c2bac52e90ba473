import type { StudyMatch, StudyQuery } from '@shared/ipc/archive-contract';

/** More matches than this are cut off (and said to be): a narrower query is the answer, not a longer table. */
export const MAX_MATCHES = 500;

/** The study-level keys of a query, as DICOM values (shared by C-FIND and QIDO-RS). */
export interface StudyKeys {
  StudyDate?: string;
  ModalitiesInStudy: string[];
  PatientID?: string;
  PatientName?: string;
  AccessionNumber?: string;
}

export function studyKeys(query: StudyQuery): StudyKeys {
  const keys: StudyKeys = { ModalitiesInStudy: query.modalities };
  if (query.dateFrom || query.dateTo) keys.StudyDate = `${dicomDate(query.dateFrom)}-${dicomDate(query.dateTo)}`;
  if (query.patientId) keys.PatientID = query.patientId;
  if (query.patientName) keys.PatientName = query.patientName;
  if (query.accessionNumber) keys.AccessionNumber = query.accessionNumber;
  return keys;
}

function dicomDate(iso: string | undefined): string {
  return iso ? iso.replaceAll('-', '') : '';
}

/** A DICOM DA value (YYYYMMDD) as YYYY-MM-DD; null when absent or malformed. */
export function isoDate(da: string | null): string | null {
  const match = da ? /^(\d{4})(\d{2})(\d{2})$/.exec(da.trim()) : null;
  return match ? `${match[1]}-${match[2]}-${match[3]}` : null;
}

/** Flattens what dcmjs or DICOM JSON gives for a value (a string, a number, a list, a person name object) to text. */
export function textOf(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) {
    const parts = value.map(textOf).filter((part): part is string => part !== null && part !== '');
    return parts.length > 0 ? parts.join('\\') : null;
  }
  if (typeof value === 'object') {
    const alphabetic = (value as { Alphabetic?: unknown }).Alphabetic;
    return alphabetic === undefined ? null : textOf(alphabetic);
  }
  const text = String(value).trim();
  return text === '' ? null : text;
}

export interface RawStudy {
  studyInstanceUid: string | null;
  patientId: string | null;
  patientName: string | null;
  studyDate: string | null;
  accessionNumber: string | null;
  description: string | null;
  modalities: string | null;
  instances: string | null;
}

/** A match as the dialog shows it; null when the archive answered without a Study Instance UID (nothing to retrieve). */
export function studyMatch(raw: RawStudy, alreadyHere: (studyInstanceUid: string) => boolean): StudyMatch | null {
  const uid = raw.studyInstanceUid?.replace(/[\0 ]+$/, '');
  if (!uid || !/^[0-9]+(\.[0-9]+)*$/.test(uid) || uid.length > 64) return null;
  const instances = raw.instances === null ? null : Number.parseInt(raw.instances, 10);
  return {
    studyInstanceUid: uid,
    patientId: raw.patientId,
    patientName: raw.patientName?.replaceAll('^', ' ').trim() || null,
    studyDate: isoDate(raw.studyDate),
    accessionNumber: raw.accessionNumber,
    description: raw.description,
    modalities: raw.modalities ? raw.modalities.split('\\').filter(Boolean) : [],
    instances: instances !== null && Number.isFinite(instances) && instances >= 0 ? instances : null,
    alreadyHere: alreadyHere(uid),
  };
}
