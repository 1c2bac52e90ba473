import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sniffFormat } from '../../imaging/file-format';
import { walkFolder } from '../../imports/folder-walk';
import { layoutPath, readPathFacts } from '../../imports/kaggle-layout';
import { PneumoniaDataError } from './pneumonia-data-error';
import type { PneumoniaSample } from './pneumonia-sample';

/**
 * Lists a folder in the Kaggle layout (train|val|test / NORMAL|PNEUMONIA / files) as labelled
 * samples. Files are recognised by content (PNG, JPEG, DICOM) and hashed for the dataset
 * fingerprint; files outside a NORMAL or PNEUMONIA folder are not samples.
 */
export async function listKaggleSamples(root: string): Promise<PneumoniaSample[]> {
  const { files } = await walkFolder(root);
  const samples: PneumoniaSample[] = [];
  for (const relative of files) {
    const facts = readPathFacts(layoutPath(root, relative));
    if (!facts.label) continue;
    const full = path.join(root, relative);
    const bytes = await readFile(full);
    const format = sniffFormat(bytes.subarray(0, 132));
    if (!format) continue;
    samples.push({
      path: full,
      format,
      label: facts.label === 'pneumonia' ? 1 : 0,
      patientId: facts.patientId,
      split: facts.split,
      contentHash: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  if (samples.length === 0) {
    throw new PneumoniaDataError(`No labelled images in ${root}: expected PNG, JPEG or DICOM files under NORMAL/ and PNEUMONIA/ folders (optionally inside train/, val/, test/).`);
  }
  return samples;
}
