import { renderGrey, type VoiPreset } from './voi';

/**
 * Window/level through a lookup table: a 16-bit frame's stored values are used as they are, as
 * indices into a 65,536-entry table of RGBA pixels built for each window, so a drag step costs one
 * table (65,536 entries) and one lookup a pixel instead of the window arithmetic a pixel.
 */
export const LUT_SIZE = 65536;

/** The frame's values as table indices: their 16-bit patterns (an int16 −1 is index 65535). */
export function lutIndices(dtype: string, data: Uint8Array): Uint16Array | null {
  if (dtype !== 'int16' && dtype !== 'uint16') return null;
  if (data.byteOffset % 2 === 0) return new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
  return new Uint16Array(data.slice().buffer);
}

/** The value each index stands for, in index order: exactly what renderGrey would be given. */
function tableValues(signed: boolean): Float64Array {
  const values = new Float64Array(LUT_SIZE);
  for (let i = 0; i < LUT_SIZE; i++) values[i] = signed && i >= 32768 ? i - LUT_SIZE : i;
  return values;
}

const VALUES = { signed: tableValues(true), unsigned: tableValues(false) };

/** Opaque grey RGBA pixels as 32-bit words in the machine's byte order, for a Uint32Array view of ImageData. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The table for one window: grey levels from renderGrey itself, so the viewer and the model input agree. */
export function buildLut(voi: VoiPreset, invert: boolean, signed: boolean, out = new Uint32Array(LUT_SIZE)): Uint32Array {
  const grey = new Uint8Array(LUT_SIZE);
  renderGrey(signed ? VALUES.signed : VALUES.unsigned, voi, invert, grey);
  for (let i = 0; i < LUT_SIZE; i++) {
    const g = grey[i]!;
    out[i] = LITTLE_ENDIAN ? (0xff000000 | (g << 16) | (g << 8) | g) >>> 0 : ((g << 24) | (g << 16) | (g << 8) | 0xff) >>> 0;
  }
  return out;
}

/** One lookup a pixel, into a Uint32Array over the ImageData's bytes. */
export function applyLut(indices: Uint16Array, lut: Uint32Array, out: Uint32Array): void {
  const n = indices.length;
  for (let i = 0; i < n; i++) out[i] = lut[indices[i]!]!;
}
