import type { DataSet } from 'dicom-parser';
import { DicomError } from './dicom-error';
import { parseDicom } from './dicom-parse';
import { DicomText } from './dicom-text';
import { isDelimiter, tagName } from './tag-names';

export interface DicomTag {
  tag: string;
  vr: string;
  name: string;
  value: string;
  /** Nesting inside sequences: 0 for the top level. */
  depth: number;
}

const MAX_VALUE_CHARS = 256;
const NUMERIC: Record<string, [number, (ds: DataSet, tag: string, i: number) => number | undefined]> = {
  US: [2, (ds, tag, i) => ds.uint16(tag, i)],
  SS: [2, (ds, tag, i) => ds.int16(tag, i)],
  UL: [4, (ds, tag, i) => ds.uint32(tag, i)],
  SL: [4, (ds, tag, i) => ds.int32(tag, i)],
  FL: [4, (ds, tag, i) => ds.float(tag, i)],
  FD: [8, (ds, tag, i) => ds.double(tag, i)],
};
const BINARY = new Set(['OB', 'OW', 'OD', 'OF', 'OL', 'OV', 'UN']);

function valueOf(dataSet: DataSet, key: string, vr: string, text: DicomText): string {
  const element = dataSet.elements[key]!;
  if (element.items) return `${element.items.length} item${element.items.length === 1 ? '' : 's'}`;
  if (element.encapsulatedPixelData) return `compressed, ${element.fragments?.length ?? 0} fragments`;
  if (BINARY.has(vr) || key === 'x7fe00010' || element.length > 4096) return `${element.length} bytes of binary data`;
  const numeric = NUMERIC[vr];
  if (numeric) {
    const count = Math.min(16, Math.floor(element.length / numeric[0]));
    const values = Array.from({ length: count }, (_, i) => numeric[1](dataSet, key, i));
    return values.join('\\') + (element.length / numeric[0] > count ? '\\…' : '');
  }
  if (vr === 'AT') return `(${(dataSet.uint16(key, 0) ?? 0).toString(16)},${(dataSet.uint16(key, 1) ?? 0).toString(16)})`;
  const value = text.get(key, dataSet) ?? '';
  // Implicit VR: a value that is not printable text is shown by its size.
  if (vr === '' && /[\0-\x08\x0e-\x1f]/.test(value)) return `${element.length} bytes`;
  return value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS)}…` : value;
}

function collect(dataSet: DataSet, text: DicomText, depth: number, out: DicomTag[]): void {
  for (const key of Object.keys(dataSet.elements).sort()) {
    const element = dataSet.elements[key]!;
    const hex = key.slice(1).toUpperCase();
    if (isDelimiter(hex)) continue;
    const vr = element.vr ?? (element.items ? 'SQ' : '');
    out.push({ tag: `(${hex.slice(0, 4)},${hex.slice(4)})`, vr, name: tagName(hex), value: valueOf(dataSet, key, vr, text), depth });
    for (const item of element.items ?? []) if (item.dataSet) collect(item.dataSet, text, depth + 1, out);
  }
}

/** Every attribute in the file, sequences expanded, for the viewer's tag panel. */
export function listDicomTags(bytes: Uint8Array): DicomTag[] {
  const parsed = parseDicom(bytes);
  if (!parsed) throw new DicomError('not a DICOM file');
  const out: DicomTag[] = [];
  collect(parsed.dataSet, new DicomText(parsed.dataSet), 0, out);
  return out;
}
