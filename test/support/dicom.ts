import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DicomFrame } from '../../src-main/services/imaging/dicom/dicom-image';
import { decodeDicomFrame } from '../../src-main/services/imaging/dicom/dicom-image';
import { requireSharedData } from './shared-data';

export function dicomPath(relative: string): string {
  return path.join(requireSharedData('dicom'), relative);
}

export function readDicomFile(relative: string): Buffer {
  return readFileSync(dicomPath(relative));
}

/** A colour frame as RGB triplets: as it came, or palette indices looked up in its palette. */
export function frameRgb(frame: DicomFrame): Uint8Array {
  if (frame.dtype === 'rgb8') return frame.data;
  if (!frame.palette) throw new Error(`a ${frame.dtype} frame is not colour`);
  const { data, palette } = frame;
  const indices = frame.dtype === 'palette16' ? new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) : data;
  const rgb = new Uint8Array(indices.length * 3);
  indices.forEach((index, p) => rgb.set(palette.subarray(index * 3, index * 3 + 3), p * 3));
  return rgb;
}

/** The frame's values as plain numbers, whatever compact type came over the wire (colour as RGB triplets). */
export function frameValues(frame: DicomFrame): Float64Array {
  const { data } = frame;
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  switch (frame.dtype) {
    case 'uint8':
      return Float64Array.from(data);
    case 'palette8':
    case 'palette16':
      return Float64Array.from(frameRgb(frame));
    case 'int16':
      return Float64Array.from(new Int16Array(buffer));
    case 'uint16':
      return Float64Array.from(new Uint16Array(buffer));
    case 'float32':
      return Float64Array.from(new Float32Array(buffer));
    case 'rgb8':
      return Float64Array.from(data);
  }
}

export async function decodeValues(relative: string, frame = 0): Promise<{ frame: DicomFrame; values: Float64Array }> {
  const decoded = await decodeDicomFrame(readDicomFile(relative), frame);
  return { frame: decoded, values: frameValues(decoded) };
}

export function difference(a: Float64Array, b: Float64Array): { max: number; mean: number } {
  if (a.length !== b.length) throw new Error(`sizes differ: ${a.length} vs ${b.length}`);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > max) max = d;
    sum += d;
  }
  return { max, mean: sum / a.length };
}

export function range(values: Float64Array): number {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max - min;
}
