import { DicomError } from './dicom-error';
import type { DecodedFrame } from './codecs';
import type { Lut, PixelModule } from './pixel-module';
import { IndexedGrey } from './indexed-grey';
import { decodedSamples, nativeSamples, type SampleArray } from './sample-arrays';
import type { LinearGreySource } from './grey-kernel';

/**
 * One frame after the modality transform: grey modality values, 8-bit RGB for colour images, or
 * palette colour kept as its indices and the palette (a third of RGB's size, applied where it is painted).
 */
export type FramePixels =
  | {
      kind: 'grey';
      width: number;
      height: number;
      values: Float32Array;
      min: number;
      max: number;
      /** True when every value is a whole number by construction (integer rescale or a LUT), so nobody has to scan for it. */
      wholeNumbers: boolean;
      /** The values as samples and a table (integer data up to 16 bits, at least as many pixels as table entries); `values` is then made on first use. */
      indexed: IndexedGrey | null;
      /** Integer samples up to 16 bits with a rescale (no Modality LUT): what grey-kernel.ts turns into the viewer's frame in one pass. */
      linear: LinearGreySource | null;
    }
  | { kind: 'rgb'; width: number; height: number; rgb: Uint8Array }
  | {
      kind: 'palette';
      width: number;
      height: number;
      /** One index a pixel, as stored (may be a view of the file's bytes). */
      indices: Uint8Array | Uint16Array;
      /** Every possible index's colour as one word, R | G << 8 | B << 16. */
      table: Uint32Array;
    };

function lookup(lut: Lut, value: number): number {
  const index = Math.min(lut.data.length - 1, Math.max(0, value - lut.firstMapped));
  return lut.data[index]!;
}

/** Stored value (sign restored) to modality value: the Modality LUT when there is one, else the rescale. */
function modalityTransform(module: PixelModule): (stored: number) => number {
  const { modalityLut: lut, rescaleSlope: slope, rescaleIntercept: intercept } = module;
  return lut ? (stored) => lookup(lut, stored) : (stored) => stored * slope + intercept;
}

/**
 * Grey modality values. Integer samples keep only the stored bits (the high bit may sit above them)
 * and get their sign back. When the image has at least as many pixels as there are stored values,
 * every possible value is mapped once into a table and the frame is kept indexed (indexed-grey.ts);
 * the table holds doubles, so values, min and max are exactly what the per-pixel arithmetic gives.
 */
function greyPixels(samples: SampleArray, module: PixelModule, signed: boolean, shift: number, saturate: boolean): FramePixels {
  const n = module.rows * module.columns;
  if (samples.length < n) throw new DicomError(`the decoded frame has ${samples.length} samples where ${n} were expected`);
  const bits = module.bitsStored;
  const wholeNumbers = module.float === null && (module.modalityLut !== null || (Number.isInteger(module.rescaleSlope) && Number.isInteger(module.rescaleIntercept)));
  const linear =
    module.float === null && module.modalityLut === null && bits <= 16 && (samples instanceof Uint8Array || samples instanceof Uint16Array)
      ? { samples, count: n, shift, bitsStored: bits, signed, saturate, slope: module.rescaleSlope, intercept: module.rescaleIntercept }
      : null;
  const frame = { kind: 'grey' as const, width: module.columns, height: module.rows, wholeNumbers, linear };
  if (module.float === null && bits <= 16 && 2 ** bits <= n) {
    const indexed = new IndexedGrey(samples, n, shift, 2 ** bits - 1, saturate, () => valueTable(bits, signed, modalityTransform(module)));
    return lazyGrey(frame, indexed, () => indexed.range(), () => indexed.values());
  }
  let computed: { values: Float32Array; min: number; max: number } | null = null;
  const compute = () => (computed ??= perPixelValues(samples, n, module, signed, shift, saturate));
  return lazyGrey(frame, null, compute, () => compute().values);
}

/**
 * The frame with its modality values and range worked out when first read: a frame rendered with
 * the file's own window never needs its range, and one the grey kernel makes (frame.linear) needs
 * neither.
 */
function lazyGrey<T extends object>(frame: T, indexed: IndexedGrey | null, range: () => { min: number; max: number }, values: () => Float32Array) {
  let kept: Float32Array | null = null;
  return {
    ...frame,
    indexed,
    get min() {
      return range().min;
    },
    get max() {
      return range().max;
    },
    get values() {
      return (kept ??= values());
    },
  };
}

/** Modality values pixel by pixel, with their range: float data, 17 to 32 stored bits, or fewer pixels than stored values. */
function perPixelValues(samples: SampleArray, n: number, module: PixelModule, signed: boolean, shift: number, saturate: boolean): { values: Float32Array; min: number; max: number } {
  const bits = module.bitsStored;
  const values = new Float32Array(n);
  let min = Infinity;
  let max = -Infinity;
  if (module.float !== null) {
    for (let i = 0; i < n; i++) {
      const v = samples[i]!;
      values[i] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  } else {
    const transform = modalityTransform(module);
    const mask = bits >= 32 ? 0 : 2 ** bits - 1;
    const signBit = 2 ** (bits - 1);
    const span = 2 ** bits;
    for (let i = 0; i < n; i++) {
      const raw = samples[i]!;
      let stored: number;
      if (bits >= 32) stored = signed ? raw | 0 : raw >>> 0;
      else {
        const u = raw >>> shift;
        stored = saturate ? (u > mask ? mask : u) : u & mask;
        if (signed && stored >= signBit) stored -= span;
      }
      const v = transform(stored);
      values[i] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { values, min, max };
}

/** Modality value for every bit pattern of a `bits`-bit stored value. */
function valueTable(bits: number, signed: boolean, transform: (stored: number) => number): Float64Array {
  const span = 2 ** bits;
  const signBit = span / 2;
  const table = new Float64Array(span);
  for (let u = 0; u < span; u++) table[u] = transform(signed && u >= signBit ? u - span : u);
  return table;
}

function ybrToRgb(y: number, cb: number, cr: number, out: Uint8Array, at: number): void {
  out[at] = clamp(y + 1.402 * (cr - 128));
  out[at + 1] = clamp(y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128));
  out[at + 2] = clamp(y + 1.772 * (cb - 128));
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

function colourPixels(samples: SampleArray, module: PixelModule, planar: boolean, convertYbr: boolean, bitsPerSample: number, owned: boolean): FramePixels {
  const n = module.rows * module.columns;
  if (module.photometric === 'YBR_FULL_422' && convertYbr) {
    const rgb = new Uint8Array(n * 3);
    // Two luma samples share one Cb and one Cr: Y1 Y2 Cb Cr.
    for (let p = 0; p < n; p += 2) {
      const base = p * 2;
      const cb = samples[base + 2]!;
      const cr = samples[base + 3]!;
      ybrToRgb(samples[base]!, cb, cr, rgb, p * 3);
      if (p + 1 < n) ybrToRgb(samples[base + 1]!, cb, cr, rgb, (p + 1) * 3);
    }
    return { kind: 'rgb', width: module.columns, height: module.rows, rgb };
  }
  if (samples.length < n * 3) throw new DicomError(`the decoded frame has ${samples.length} samples where ${n * 3} were expected`);
  const ybr = convertYbr && (module.photometric === 'YBR_FULL' || module.photometric === 'YBR_FULL_422');
  // Interleaved 8-bit RGB (what the JPEG codecs give) is already the result: no per-pixel work, and
  // no copy either when the codec's output is ours alone.
  if (samples instanceof Uint8Array && bitsPerSample <= 8 && !planar && !ybr) {
    return { kind: 'rgb', width: module.columns, height: module.rows, rgb: owned ? samples.subarray(0, n * 3) : samples.slice(0, n * 3) };
  }
  const rgb = new Uint8Array(n * 3);
  const scale = bitsPerSample > 8 ? 255 / (2 ** Math.min(bitsPerSample, 32) - 1) : 1;
  // Sample c of pixel p sits at first(p) + c * step: planes one after another, or interleaved.
  const step = planar ? n : 1;
  const stride = planar ? 1 : 3;
  for (let p = 0; p < n; p++) {
    const first = p * stride;
    const r = samples[first]! * scale;
    const g = samples[first + step]! * scale;
    const b = samples[first + 2 * step]! * scale;
    if (ybr) ybrToRgb(r, g, b, rgb, p * 3);
    else {
      rgb[p * 3] = clamp(r);
      rgb[p * 3 + 1] = clamp(g);
      rgb[p * 3 + 2] = clamp(b);
    }
  }
  return { kind: 'rgb', width: module.columns, height: module.rows, rgb };
}

/** One channel of the palette as 8-bit levels for every possible index. */
function paletteTable(lut: Lut, size: number): Uint8Array {
  const table = new Uint8Array(size);
  for (let v = 0; v < size; v++) table[v] = lut.bits > 8 ? lookup(lut, v) >> (lut.bits - 8) : lookup(lut, v);
  return table;
}

/** The palette as one packed word (R | G << 8 | B << 16) for every possible index, made once a file (65,536 entries for 16-bit indices). */
const paletteTables = new WeakMap<NonNullable<PixelModule['palette']>, Map<number, Uint32Array>>();

function paletteWords(palette: NonNullable<PixelModule['palette']>, size: number): Uint32Array {
  const known = paletteTables.get(palette) ?? new Map<number, Uint32Array>();
  paletteTables.set(palette, known);
  let table = known.get(size);
  if (!table) {
    const [r, g, b] = [paletteTable(palette.red, size), paletteTable(palette.green, size), paletteTable(palette.blue, size)];
    table = new Uint32Array(size);
    for (let v = 0; v < size; v++) table[v] = r[v]! | (g[v]! << 8) | (b[v]! << 16);
    known.set(size, table);
  }
  return table;
}

// Four pixels (12 bytes) are written as three words. One function per index type, so each loop
// sees one array type (a Node Buffer is viewed as a plain Uint8Array).
function paletteMap8(samples: Uint8Array, table: Uint32Array, words: Uint32Array, quads: number): void {
  for (let q = 0, i = 0, o = 0; q < quads; q++, i += 4, o += 3) {
    // Plain consts, not array destructuring: V8 does not always remove the array (1.5x slower here).
    const a = table[samples[i]!]!;
    const b = table[samples[i + 1]!]!;
    const c = table[samples[i + 2]!]!;
    const d = table[samples[i + 3]!]!;
    words[o] = a | (b << 24);
    words[o + 1] = (b >>> 8) | (c << 16);
    words[o + 2] = (c >>> 16) | (d << 8);
  }
}

function paletteMap16(samples: Uint16Array, table: Uint32Array, words: Uint32Array, quads: number): void {
  for (let q = 0, i = 0, o = 0; q < quads; q++, i += 4, o += 3) {
    const a = table[samples[i]!]!;
    const b = table[samples[i + 1]!]!;
    const c = table[samples[i + 2]!]!;
    const d = table[samples[i + 3]!]!;
    words[o] = a | (b << 24);
    words[o + 1] = (b >>> 8) | (c << 16);
    words[o + 2] = (c >>> 16) | (d << 8);
  }
}

function palettePixels(samples: SampleArray, module: PixelModule): FramePixels {
  if (!(samples instanceof Uint8Array || samples instanceof Uint16Array)) {
    throw new DicomError(`palette colour images need 8 or 16 bits allocated, not ${module.bitsAllocated}`);
  }
  const n = module.rows * module.columns;
  if (samples.length < n) throw new DicomError(`the decoded frame has ${samples.length} samples where ${n} were expected`);
  const wide = samples instanceof Uint16Array;
  // A Node Buffer is viewed as a plain Uint8Array, so the loops below see one array type.
  const indices = wide ? samples.subarray(0, n) : new Uint8Array(samples.buffer, samples.byteOffset, n);
  return { kind: 'palette', width: module.columns, height: module.rows, indices, table: paletteWords(module.palette!, wide ? 65536 : 256) };
}

/** The palette applied: 8-bit RGB triplets, for the thumbnail and the model's input. */
export function paletteRgb(pixels: Extract<FramePixels, { kind: 'palette' }>): Uint8Array {
  const { indices, table } = pixels;
  const n = indices.length;
  const quads = n >> 2;
  const rgb = new Uint8Array(Math.ceil((n * 3) / 4) * 4);
  const words = new Uint32Array(rgb.buffer);
  if (indices instanceof Uint16Array) paletteMap16(indices, table, words, quads);
  else paletteMap8(indices, table, words, quads);
  for (let p = quads * 4; p < n; p++) {
    const v = table[indices[p]!]!;
    rgb.set([v & 0xff, (v >> 8) & 0xff, v >> 16], p * 3);
  }
  return rgb.subarray(0, n * 3);
}

/** The palette as RGB triplets, one for every possible index: what the viewer's frame carries. */
export function paletteTriplets(table: Uint32Array): Uint8Array {
  const out = new Uint8Array(table.length * 3);
  for (let v = 0; v < table.length; v++) {
    const word = table[v]!;
    out[v * 3] = word & 0xff;
    out[v * 3 + 1] = (word >> 8) & 0xff;
    out[v * 3 + 2] = word >> 16;
  }
  return out;
}

interface PipelineOptions {
  planar: boolean;
  convertYbr: boolean;
  signed: boolean;
  bits: number;
  shift: number;
  /**
   * A lossy codec can overshoot the stored range when its codestream has more bits than Bits
   * Stored (a 12-bit JPEG of 10-bit data); unsigned values then saturate instead of wrapping to black.
   */
  saturate: boolean;
  /** The samples are a codec's fresh output, not a view of the file: they may become the frame as they are. */
  owned: boolean;
}

function toPixels(samples: SampleArray, module: PixelModule, options: PipelineOptions): FramePixels {
  if (module.photometric === 'PALETTE COLOR') return palettePixels(samples, module);
  if (module.samplesPerPixel === 3) return colourPixels(samples, module, options.planar, options.convertYbr, options.bits, options.owned);
  return greyPixels(samples, module, options.signed, options.shift, options.saturate && !options.signed);
}

/** Native (uncompressed, RLE or deflated-frame) data, after byte order is known. */
export function pixelsFromNative(bytes: Uint8Array, bitOffset: number, module: PixelModule, bigEndian: boolean, planar = module.planarConfiguration === 1): FramePixels {
  return toPixels(nativeSamples(bytes, bitOffset, module, bigEndian), module, {
    planar,
    convertYbr: true,
    signed: module.signed,
    bits: module.bitsStored,
    shift: module.highBit - module.bitsStored + 1,
    saturate: false,
    owned: false,
  });
}

/** A frame a codec decoded. The codec's own sign flag wins over Pixel Representation when they disagree. */
export function pixelsFromDecoded(frame: DecodedFrame, module: PixelModule, lossy: boolean): FramePixels {
  if (frame.width !== module.columns || frame.height !== module.rows) {
    throw new DicomError(`the compressed frame is ${frame.width} × ${frame.height} but the header says ${module.columns} × ${module.rows}`);
  }
  if (frame.components !== module.samplesPerPixel && module.photometric !== 'PALETTE COLOR') {
    throw new DicomError(`the compressed frame has ${frame.components} components but Samples per Pixel is ${module.samplesPerPixel}`);
  }
  return toPixels(decodedSamples(frame), module, {
    planar: false,
    convertYbr: !frame.rgb,
    signed: frame.signed ?? module.signed,
    bits: frame.bitsPerSample,
    shift: 0,
    saturate: lossy,
    owned: true,
  });
}
