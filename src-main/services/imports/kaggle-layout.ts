import type { DatasetSplit, Label } from '@shared/domain/study';

export interface PathFacts {
  label: Label | null;
  split: DatasetSplit | null;
  patientId: string | null;
}

const LABEL_FOLDERS: Record<string, Label> = { normal: 'normal', pneumonia: 'pneumonia' };
const SPLIT_FOLDERS: Record<string, DatasetSplit> = { train: 'train', val: 'val', test: 'test' };

/**
 * The folders that may carry layout facts for a file: the imported folder and its parent (a user
 * may import `chest_xray/test` or `chest_xray/test/PNEUMONIA`), then the path below it. Folders
 * higher up are ignored, so `/home/test/...` does not make every image a test image.
 */
export function layoutPath(root: string, relativePath: string): string {
  const rootParts = root.split(/[\\/]/).filter(Boolean);
  return [...rootParts.slice(-2), relativePath].join('/');
}

/**
 * Reads what the Kaggle chest-xray layout (`train|val|test/NORMAL|PNEUMONIA/file`) says about a
 * file: its ground-truth label, its split, and the patient its name encodes
 * (`person1011_bacteria_2942.jpeg` is patient `person1011`; `IM-0117-0001.jpeg` is `IM-0117`).
 * The patient matters: later training splits must keep one patient's images together.
 */
export function readPathFacts(relativePath: string): PathFacts {
  const parts = relativePath.split(/[\\/]/).filter(Boolean);
  const folders = parts.slice(0, -1).map((p) => p.toLowerCase());
  const fileName = parts[parts.length - 1] ?? '';
  let label: Label | null = null;
  let split: DatasetSplit | null = null;
  for (const folder of folders) {
    label = LABEL_FOLDERS[folder] ?? label;
    split = SPLIT_FOLDERS[folder] ?? split;
  }
  return { label, split, patientId: patientFromFileName(fileName) };
}

export function patientFromFileName(fileName: string): string | null {
  const person = /^(person\d+)_/i.exec(fileName);
  if (person) return person[1]!.toLowerCase();
  const im = /^((?:NORMAL2-)?IM-\d+)-\d+/i.exec(fileName);
  if (im) return im[1]!.toUpperCase();
  return null;
}
