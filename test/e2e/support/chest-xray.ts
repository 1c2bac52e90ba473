import { readdirSync } from 'node:fs';
import path from 'node:path';
import { requireSharedData } from '../../support/shared-data';

/** The real test split of the chest X-ray data: its folder and the file names per label. */
export function chestXrayTestSplit() {
  const folder = requireSharedData('chest_xray/test');
  const list = (label: string) => readdirSync(path.join(folder, label)).filter((f) => !f.startsWith('.')).sort();
  return { folder, normal: list('NORMAL'), pneumonia: list('PNEUMONIA') };
}
