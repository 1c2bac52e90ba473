import type { DataSet } from 'dicom-parser';
import type { VoiPreset } from '@shared/imaging/voi';
import { DicomError } from './dicom-error';

export type Photometric =
  | 'MONOCHROME1'
  | 'MONOCHROME2'
  | 'RGB'
  | 'YBR_FULL'
  | 'YBR_FULL_422'
  | 'YBR_ICT'
  | 'YBR_RCT'
  | 'PALETTE COLOR';

const PHOTOMETRICS = new Set<string>(['MONOCHROME1', 'MONOCHROME2', 'RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_ICT', 'YBR_RCT', 'PALETTE COLOR']);

export interface Lut {
  /** The first stored value the table maps; values below use entry 0, above use the last entry. */
  firstMapped: number;
  data: Uint16Array | Int16Array;
  bits: number;
}

export interface PaletteLuts {
  red: Lut;
  green: Lut;
  blue: Lut;
}

/** The Image Pixel, Modality LUT and VOI LUT attributes that decide how stored values become a picture. */
export interface PixelModule {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  photometric: Photometric;
  planarConfiguration: 0 | 1;
  frames: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  signed: boolean;
  /** Float Pixel Data (7FE0,0008) or Double Float Pixel Data (7FE0,0009). */
  float: 'float32' | 'float64' | null;
  rescaleSlope: number;
  rescaleIntercept: number;
  modalityLut: Lut | null;
  voiPresets: VoiPreset[];
  palette: PaletteLuts | null;
}

function required(dataSet: DataSet, tag: string, name: string): number {
  const value = dataSet.uint16(tag);
  if (value === undefined) throw new DicomError(`${name} (${tagText(tag)}) is missing`);
  return value;
}

export function tagText(tag: string): string {
  return `${tag.slice(1, 5)},${tag.slice(5, 9)}`.toUpperCase();
}

function numbers(dataSet: DataSet, tag: string): number[] {
  const count = dataSet.numStringValues(tag) ?? 0;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const value = Number(dataSet.string(tag, i));
    if (Number.isFinite(value)) out.push(value);
  }
  return out;
}

function readLut(item: DataSet, dataTag: string, descriptorTag: string, signedValues: boolean): Lut | null {
  const descriptor = item.elements[descriptorTag];
  const data = item.elements[dataTag];
  if (!descriptor || !data || descriptor.length < 6) return null;
  let count = item.uint16(descriptorTag, 0) ?? 0;
  if (count === 0) count = 65536;
  const firstRaw = item.uint16(descriptorTag, 1) ?? 0;
  const firstMapped = signedValues && firstRaw > 0x7fff ? firstRaw - 0x10000 : firstRaw;
  let bits = item.uint16(descriptorTag, 2) ?? 16;
  const entryBytes = data.length >= count * 2 ? 2 : 1;
  if (data.length < count * entryBytes) throw new DicomError(`the lookup table (${tagText(dataTag)}) is shorter than its descriptor says`);
  const table = new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    table[i] = entryBytes === 2 ? (item.uint16(dataTag, i) ?? 0) : item.byteArray[data.dataOffset + i]!;
  }
  // Some writers declare 16 bits for 8-bit tables; trust the data.
  if (bits === 16 && entryBytes === 1) bits = 8;
  return { firstMapped, data: table, bits };
}

function firstItem(dataSet: DataSet, tag: string): DataSet | undefined {
  return dataSet.elements[tag]?.items?.[0]?.dataSet;
}

function voiPresets(dataSet: DataSet, text: (tag: string) => string | undefined): VoiPreset[] {
  const presets: VoiPreset[] = [];
  const centers = numbers(dataSet, 'x00281050');
  const widths = numbers(dataSet, 'x00281051');
  const explanations = (text('x00281055') ?? '').split('\\');
  for (let i = 0; i < Math.min(centers.length, widths.length); i++) {
    if (widths[i]! < 1) continue;
    const label = explanations[i]?.trim() || (i === 0 ? 'Default' : `Window ${i + 1}`);
    presets.push({ kind: 'window', name: `${label} (C ${centers[i]} / W ${widths[i]})`, center: centers[i]!, width: widths[i]! });
  }
  for (const [index, item] of (dataSet.elements.x00283010?.items ?? []).entries()) {
    if (!item.dataSet) continue;
    const lut = readLut(item.dataSet, 'x00283006', 'x00283002', false);
    if (!lut) continue;
    const explanation = item.dataSet.string('x00283003')?.trim();
    presets.push({
      kind: 'lut',
      name: `VOI LUT${explanation ? `: ${explanation}` : ` ${index + 1}`}`,
      firstMapped: lut.firstMapped,
      data: Array.from(lut.data),
      bits: lut.bits,
    });
  }
  return presets;
}

export function readPixelModule(dataSet: DataSet, text: (tag: string) => string | undefined): PixelModule {
  const rows = required(dataSet, 'x00280010', 'Rows');
  const columns = required(dataSet, 'x00280011', 'Columns');
  if (rows === 0 || columns === 0) throw new DicomError(`the image has no size (${rows} × ${columns})`);
  const samplesPerPixel = dataSet.uint16('x00280002') ?? 1;
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) throw new DicomError(`Samples per Pixel ${samplesPerPixel} is not supported (1 or 3)`);
  const photometricText = (text('x00280004') ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2')).toUpperCase();
  if (!PHOTOMETRICS.has(photometricText)) throw new DicomError(`Photometric Interpretation "${photometricText}" is not supported`);
  const photometric = photometricText as Photometric;
  const bitsAllocated = required(dataSet, 'x00280100', 'Bits Allocated');
  if (![1, 8, 16, 32, 64].includes(bitsAllocated)) throw new DicomError(`Bits Allocated ${bitsAllocated} is not supported`);
  const bitsStored = dataSet.uint16('x00280101') ?? bitsAllocated;
  const highBit = dataSet.uint16('x00280102') ?? bitsStored - 1;
  if (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated) {
    throw new DicomError(`inconsistent bit depths: allocated ${bitsAllocated}, stored ${bitsStored}, high bit ${highBit}`);
  }
  const framesText = text('x00280008');
  const frames = framesText === undefined ? 1 : Number(framesText);
  if (!Number.isInteger(frames) || frames < 1) {
    throw new DicomError(`Number of Frames (0028,0008) is not a positive whole number: "${framesText}"`);
  }
  const float = dataSet.elements.x7fe00008 ? 'float32' : dataSet.elements.x7fe00009 ? 'float64' : null;
  const slope = Number(dataSet.string('x00281053') ?? 1);
  const intercept = Number(dataSet.string('x00281052') ?? 0);
  const signed = dataSet.uint16('x00280103') === 1;
  const modalityItem = firstItem(dataSet, 'x00283000');
  const paletteTags = ['x00281201', 'x00281202', 'x00281203'] as const;
  const palette =
    photometric === 'PALETTE COLOR'
      ? (() => {
          const [red, green, blue] = paletteTags.map((tag, i) => readLut(dataSet, tag, `x0028110${i + 1}`, false));
          if (!red || !green || !blue) throw new DicomError('the palette colour lookup tables are missing or segmented (not supported)');
          return { red, green, blue };
        })()
      : null;
  return {
    rows,
    columns,
    samplesPerPixel,
    photometric,
    planarConfiguration: dataSet.uint16('x00280006') === 1 ? 1 : 0,
    frames,
    bitsAllocated,
    bitsStored,
    highBit,
    signed,
    float,
    rescaleSlope: Number.isFinite(slope) && slope !== 0 ? slope : 1,
    rescaleIntercept: Number.isFinite(intercept) ? intercept : 0,
    modalityLut: modalityItem ? readLut(modalityItem, 'x00283006', 'x00283002', signed) : null,
    voiPresets: voiPresets(dataSet, text),
    palette,
  };
}
