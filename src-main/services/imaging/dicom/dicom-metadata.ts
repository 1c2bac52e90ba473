import type { DataSet } from 'dicom-parser';
import type { DicomText } from './dicom-text';

/** What the study database keeps from a DICOM file (PS3.3 patient, study, series, equipment modules). */
export interface DicomMetadata {
  patientId: string | null;
  patientName: string | null;
  patientSex: string | null;
  patientBirthDate: string | null;
  patientAge: string | null;
  accessionNumber: string | null;
  studyInstanceUid: string | null;
  seriesInstanceUid: string | null;
  sopInstanceUid: string | null;
  sopClassUid: string | null;
  studyDate: string | null;
  studyTime: string | null;
  studyDescription: string | null;
  modality: string | null;
  bodyPart: string | null;
  viewPosition: string | null;
  institution: string | null;
  manufacturer: string | null;
}

/** DA (YYYYMMDD, or the old YYYY.MM.DD) as an ISO date; anything else is kept as written. */
function isoDate(value: string | undefined): string | null {
  if (!value) return null;
  const match = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec(value.trim());
  return match ? `${match[1]}-${match[2]}-${match[3]}` : value.trim();
}

/** TM (HHMMSS.FFFFFF, parts optional) as HH:MM:SS. */
function isoTime(value: string | undefined): string | null {
  if (!value) return null;
  const match = /^(\d{2}):?(\d{2})?:?(\d{2})?/.exec(value.trim());
  if (!match) return value.trim();
  return [match[1], match[2] ?? '00', match[3] ?? '00'].join(':');
}

/** PN components are separated by ^; people read "Family Given Middle". */
function personName(value: string | undefined): string | null {
  if (!value) return null;
  const alphabetic = value.split('=').map((group) => group.split('^').map((p) => p.trim()).filter(Boolean).join(' '));
  const name = alphabetic.filter(Boolean).join(' = ');
  return name === '' ? null : name;
}

function uid(dataSet: DataSet, tag: string): string | null {
  return dataSet.string(tag)?.replace(/\0/g, '').trim() || null;
}

export function readMetadata(dataSet: DataSet, text: DicomText): DicomMetadata {
  const get = (tag: string) => text.get(tag) ?? null;
  return {
    patientId: get('x00100020'),
    patientName: personName(text.get('x00100010')),
    patientSex: get('x00100040'),
    patientBirthDate: isoDate(text.get('x00100030')),
    patientAge: get('x00101010'),
    accessionNumber: get('x00080050'),
    studyInstanceUid: uid(dataSet, 'x0020000d'),
    seriesInstanceUid: uid(dataSet, 'x0020000e'),
    sopInstanceUid: uid(dataSet, 'x00080018') ?? uid(dataSet, 'x00020003'),
    sopClassUid: uid(dataSet, 'x00080016') ?? uid(dataSet, 'x00020002'),
    studyDate: isoDate(text.get('x00080020')),
    studyTime: isoTime(text.get('x00080030')),
    studyDescription: get('x00081030'),
    modality: get('x00080060')?.toUpperCase() ?? null,
    bodyPart: get('x00180015'),
    viewPosition: get('x00185101'),
    institution: get('x00080080'),
    manufacturer: get('x00080070'),
  };
}

/** Modalities of projection radiographs, the only images the pneumonia model is for. */
const RADIOGRAPH_MODALITIES = new Set(['CR', 'DX', 'DR', 'RG']);
const CHEST_BODY_PARTS = new Set(['CHEST', 'THORAX', 'LUNG', 'LUNGS', 'TORSO']);

/** Why the triage model must not score this object, or null when it may. */
export function notApplicableReason(metadata: DicomMetadata, hasPixels: boolean, sopClassName: string | null): string | null {
  const what = sopClassName ?? (metadata.modality ? `${metadata.modality} object` : 'DICOM object');
  if (!hasPixels) return `${what} with no image: nothing for the pneumonia model to read`;
  if (!metadata.modality) return 'the modality is not recorded; the pneumonia model is only for chest radiographs (CR/DX)';
  if (!RADIOGRAPH_MODALITIES.has(metadata.modality)) {
    return `modality ${metadata.modality} is not a radiograph; the pneumonia model is only for chest radiographs (CR/DX)`;
  }
  const part = metadata.bodyPart?.toUpperCase();
  if (part && !CHEST_BODY_PARTS.has(part)) return `body part ${metadata.bodyPart} is not the chest`;
  return null;
}
