import { renderGrey, type VoiPreset } from './voi';

/**
 * Window/level through a lookup table: a 16-bit frame's stored values are used as they are, as
 * indices into a 65,536-entry table of RGBA pixels built for each window, so a drag step costs one
 * table (65,536 entries) and one lookup a pixel instead of the window arithmetic a pixel. An 8-bit
 * frame's bytes index the table's first 256 entries, and only those are built.
 */
export const LUT_SIZE = 65536;

/** The frame's values as table indices: their 16-bit patterns (an int16 −1 is index 65535), or the bytes of a uint8 frame. */
export function lutIndices(dtype: string, data: Uint8Array): Uint16Array | Uint8Array | null {
  if (dtype === 'uint8') return data;
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

/**
 * The table for one window: grey levels from renderGrey itself, so the viewer and the model input
 * agree. Only the first `size` entries are built (256 for a uint8 frame).
 */
export function buildLut(voi: VoiPreset, invert: boolean, signed: boolean, out = new Uint32Array(LUT_SIZE), size = LUT_SIZE): Uint32Array {
  const grey = new Uint8Array(size);
  renderGrey((signed ? VALUES.signed : VALUES.unsigned).subarray(0, size), voi, invert, grey);
  for (let i = 0; i < size; i++) {
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

/** The same for byte indices: a function of its own, so each loop sees one array type and stays fast. */
export function applyLut8(indices: Uint8Array, lut: Uint32Array, out: Uint32Array): void {
  const n = indices.length;
  for (let i = 0; i < n; i++) out[i] = lut[indices[i]!]!;
}

/** Opaque RGBA words for palette colour, one for each index, from RGB triplets (inverted on request). */
export function paletteLut(triplets: Uint8Array, invert: boolean): Uint32Array {
  const out = new Uint32Array(triplets.length / 3);
  const level = (v: number) => (invert ? 255 - v : v);
  for (let i = 0; i < out.length; i++) {
    const [r, g, b] = [level(triplets[i * 3]!), level(triplets[i * 3 + 1]!), level(triplets[i * 3 + 2]!)];
    out[i] = LITTLE_ENDIAN ? (0xff000000 | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | 0xff) >>> 0;
  }
  return out;
}
