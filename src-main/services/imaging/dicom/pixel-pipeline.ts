import { DicomError } from './dicom-error';
import type { DecodedFrame } from './codecs';
import type { Lut, PixelModule } from './pixel-module';

/** One frame after the modality transform: grey modality values, or 8-bit RGB for colour images. */
export type FramePixels =
  | { kind: 'grey'; width: number; height: number; values: Float32Array; min: number; max: number }
  | { kind: 'rgb'; width: number; height: number; rgb: Uint8Array };

/** Raw samples of one frame, little endian already resolved, before any DICOM transform. */
interface Samples {
  get(index: number): number;
  count: number;
}

function nativeSamples(bytes: Uint8Array, bitOffset: number, module: PixelModule, bigEndian: boolean): Samples {
  const count = module.rows * module.columns * (module.photometric === 'YBR_FULL_422' ? 2 : module.samplesPerPixel);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = !bigEndian;
  if (module.float === 'float32') return { count, get: (i) => view.getFloat32(i * 4, little) };
  if (module.float === 'float64') return { count, get: (i) => view.getFloat64(i * 8, little) };
  switch (module.bitsAllocated) {
    case 1:
      return { count, get: (i) => (bytes[(bitOffset + i) >> 3]! >> ((bitOffset + i) & 7)) & 1 };
    case 8:
      return { count, get: (i) => bytes[i]! };
    case 16:
      return { count, get: (i) => view.getUint16(i * 2, little) };
    case 32:
      return { count, get: (i) => view.getUint32(i * 4, little) };
    default:
      throw new DicomError(`Bits Allocated ${module.bitsAllocated} is not supported for integer pixel data`);
  }
}

function decodedSamples(frame: DecodedFrame): Samples {
  const count = frame.width * frame.height * frame.components;
  if (frame.bitsPerSample <= 8) return { count, get: (i) => frame.bytes[i]! };
  const view = new DataView(frame.bytes.buffer, frame.bytes.byteOffset, frame.bytes.byteLength);
  return { count, get: (i) => view.getUint16(i * 2, true) };
}

function lookup(lut: Lut, value: number): number {
  const index = Math.min(lut.data.length - 1, Math.max(0, value - lut.firstMapped));
  return lut.data[index]!;
}

/** Keeps the stored bits (high bit may sit above them) and restores the sign of signed data. */
function storedValue(module: PixelModule, signed: boolean, shift: number): (raw: number) => number {
  const bits = module.bitsStored;
  if (bits >= 32) return signed ? (raw) => raw | 0 : (raw) => raw >>> 0;
  const mask = 2 ** bits - 1;
  const signBit = 2 ** (bits - 1);
  return signed
    ? (raw) => {
        const v = Math.floor(raw / 2 ** shift) & mask;
        return v >= signBit ? v - 2 ** bits : v;
      }
    : (raw) => Math.floor(raw / 2 ** shift) % 2 ** bits;
}

function greyPixels(samples: Samples, module: PixelModule, signed: boolean, shift: number): FramePixels {
  const isFloat = module.float !== null;
  const n = module.rows * module.columns;
  if (samples.count < n) throw new DicomError(`the decoded frame has ${samples.count} samples where ${n} were expected`);
  const values = new Float32Array(n);
  const stored = storedValue(module, signed, shift);
  const { modalityLut: lut, rescaleSlope: slope, rescaleIntercept: intercept } = module;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const raw = samples.get(i);
    const v = isFloat ? raw : lut ? lookup(lut, stored(raw)) : stored(raw) * slope + intercept;
    values[i] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { kind: 'grey', width: module.columns, height: module.rows, values, min, max };
}

function ybrToRgb(y: number, cb: number, cr: number, out: Uint8Array, at: number): void {
  out[at] = clamp(y + 1.402 * (cr - 128));
  out[at + 1] = clamp(y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128));
  out[at + 2] = clamp(y + 1.772 * (cb - 128));
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

function colourPixels(samples: Samples, module: PixelModule, planar: boolean, convertYbr: boolean, bitsPerSample: number): FramePixels {
  const n = module.rows * module.columns;
  const rgb = new Uint8Array(n * 3);
  if (module.photometric === 'YBR_FULL_422' && convertYbr) {
    // Two luma samples share one Cb and one Cr: Y1 Y2 Cb Cr.
    for (let p = 0; p < n; p += 2) {
      const base = p * 2;
      const cb = samples.get(base + 2);
      const cr = samples.get(base + 3);
      ybrToRgb(samples.get(base), cb, cr, rgb, p * 3);
      if (p + 1 < n) ybrToRgb(samples.get(base + 1), cb, cr, rgb, (p + 1) * 3);
    }
    return { kind: 'rgb', width: module.columns, height: module.rows, rgb };
  }
  if (samples.count < n * 3) throw new DicomError(`the decoded frame has ${samples.count} samples where ${n * 3} were expected`);
  const scale = bitsPerSample > 8 ? 255 / (2 ** Math.min(bitsPerSample, 32) - 1) : 1;
  const at = planar ? (p: number, c: number) => c * n + p : (p: number, c: number) => p * 3 + c;
  const ybr = convertYbr && (module.photometric === 'YBR_FULL' || module.photometric === 'YBR_FULL_422');
  for (let p = 0; p < n; p++) {
    const r = samples.get(at(p, 0)) * scale;
    const g = samples.get(at(p, 1)) * scale;
    const b = samples.get(at(p, 2)) * scale;
    if (ybr) ybrToRgb(r, g, b, rgb, p * 3);
    else {
      rgb[p * 3] = clamp(r);
      rgb[p * 3 + 1] = clamp(g);
      rgb[p * 3 + 2] = clamp(b);
    }
  }
  return { kind: 'rgb', width: module.columns, height: module.rows, rgb };
}

function palettePixels(samples: Samples, module: PixelModule): FramePixels {
  const n = module.rows * module.columns;
  const { red, green, blue } = module.palette!;
  const rgb = new Uint8Array(n * 3);
  const to8 = (lut: Lut) => (v: number) => (lut.bits > 8 ? lookup(lut, v) >> (lut.bits - 8) : lookup(lut, v));
  const [r, g, b] = [to8(red), to8(green), to8(blue)];
  for (let p = 0; p < n; p++) {
    const index = samples.get(p);
    rgb[p * 3] = r(index);
    rgb[p * 3 + 1] = g(index);
    rgb[p * 3 + 2] = b(index);
  }
  return { kind: 'rgb', width: module.columns, height: module.rows, rgb };
}

function toPixels(samples: Samples, module: PixelModule, options: { planar: boolean; convertYbr: boolean; signed: boolean; bits: number; shift: number }): FramePixels {
  if (module.photometric === 'PALETTE COLOR') return palettePixels(samples, module);
  if (module.samplesPerPixel === 3) return colourPixels(samples, module, options.planar, options.convertYbr, options.bits);
  return greyPixels(samples, module, options.signed, options.shift);
}

/** Native (uncompressed, RLE or deflated-frame) data, after byte order is known. */
export function pixelsFromNative(bytes: Uint8Array, bitOffset: number, module: PixelModule, bigEndian: boolean, planar = module.planarConfiguration === 1): FramePixels {
  return toPixels(nativeSamples(bytes, bitOffset, module, bigEndian), module, {
    planar,
    convertYbr: true,
    signed: module.signed,
    bits: module.bitsStored,
    shift: module.highBit - module.bitsStored + 1,
  });
}

/** A frame a codec decoded. The codec's own sign flag wins over Pixel Representation when they disagree. */
export function pixelsFromDecoded(frame: DecodedFrame, module: PixelModule): FramePixels {
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
  });
}
