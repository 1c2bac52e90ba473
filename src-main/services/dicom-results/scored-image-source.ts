import { readFile } from 'node:fs/promises';
import { AppError } from '@shared/ipc/errors';
import { arrayBufferOf, dcmjs, type NaturalDataset } from './dcmjs';

/** The Patient and General Study attributes a result document repeats, exactly as the image has them. */
export const COPIED_STUDY_ATTRIBUTES = [
  'PatientName',
  'PatientID',
  'IssuerOfPatientID',
  'PatientBirthDate',
  'PatientSex',
  'StudyInstanceUID',
  'StudyDate',
  'StudyTime',
  'ReferringPhysicianName',
  'StudyID',
  'AccessionNumber',
  'StudyDescription',
] as const;

export interface ImageReference {
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
}

export interface ScoredImageSource {
  study: NaturalDataset;
  reference: ImageReference;
}

/**
 * Reads what a result document needs from a stored DICOM image: its patient and study attributes and
 * the UIDs that reference it. Stops before the pixel data, so a large image costs little.
 */
export async function readScoredImageSource(file: string): Promise<ScoredImageSource> {
  const bytes = await readFile(file);
  let dataset: NaturalDataset;
  try {
    const { dict } = dcmjs.data.DicomMessage.readFile(arrayBufferOf(bytes), { untilTag: '7FE00010', ignoreErrors: true });
    dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict);
  } catch (error) {
    throw new AppError('BAD_INPUT', `The stored image could not be read for its result document (${error instanceof Error ? error.message : String(error)}).`);
  }
  const uid = (keyword: string) => {
    const value = dataset[keyword];
    if (typeof value !== 'string' || value.length === 0) throw new AppError('BAD_INPUT', `The stored image has no ${keyword}: a result document cannot reference it.`);
    return value;
  };
  const reference = { sopClassUid: uid('SOPClassUID'), sopInstanceUid: uid('SOPInstanceUID'), seriesInstanceUid: uid('SeriesInstanceUID') };
  uid('StudyInstanceUID');
  const study: NaturalDataset = {};
  for (const keyword of COPIED_STUDY_ATTRIBUTES) if (dataset[keyword] !== undefined) study[keyword] = dataset[keyword];
  return { study, reference };
}
