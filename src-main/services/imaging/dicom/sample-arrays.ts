import { DicomError } from './dicom-error';
import type { DecodedFrame } from './codecs';
import type { PixelModule } from './pixel-module';

/** One frame's raw samples as numbers, before any DICOM transform. */
export type SampleArray = Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;

type SampleType = typeof Uint16Array | typeof Uint32Array | typeof Float32Array | typeof Float64Array;

/**
 * A typed view over `count` little-endian samples. The hosts this app ships for (x64, arm64) are
 * little endian, so no byte order work is needed; bytes that do not start on an element boundary
 * (a view into a file buffer at an odd offset) are copied once.
 */
function littleEndian(bytes: Uint8Array, Type: SampleType, count: number): SampleArray {
  const size = Type.BYTES_PER_ELEMENT;
  checkLength(bytes, count * size);
  if (bytes.byteOffset % size === 0) return new Type(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
  const copy = new Type(count);
  new Uint8Array(copy.buffer).set(bytes.subarray(0, count * size));
  return copy;
}

/** Big-endian samples: one copy, then Node's native byte swap. */
function bigEndian(bytes: Uint8Array, Type: SampleType, count: number): SampleArray {
  const size = Type.BYTES_PER_ELEMENT;
  checkLength(bytes, count * size);
  // Buffer.alloc never hands out a slice of the shared pool, so the copy starts aligned.
  const copy = Buffer.alloc(count * size);
  copy.set(bytes.subarray(0, count * size));
  if (size === 2) copy.swap16();
  else if (size === 4) copy.swap32();
  else copy.swap64();
  return new Type(copy.buffer, copy.byteOffset, count);
}

function checkLength(bytes: Uint8Array, needed: number): void {
  if (bytes.length < needed) throw new DicomError(`the frame holds ${bytes.length} bytes where ${needed} were expected`);
}

/** Each byte's eight bits as eight 0/1 bytes, least significant bit first: two little-endian words a byte value. */
const BIT_BYTES = (() => {
  const words = new Uint32Array(512);
  for (let b = 0; b < 256; b++) {
    let [low, high] = [0, 0];
    for (let k = 0; k < 4; k++) {
      low |= ((b >> k) & 1) << (8 * k);
      high |= ((b >> (k + 4)) & 1) << (8 * k);
    }
    words[2 * b] = low;
    words[2 * b + 1] = high;
  }
  return words;
})();

/** 1-bit samples (segmentations, overlays) unpacked to one byte each, least significant bit first. */
function unpackBits(bytes: Uint8Array, bitOffset: number, count: number): Uint8Array {
  checkLength(bytes, Math.ceil((bitOffset + count) / 8));
  const out = new Uint8Array(count);
  // Whole bytes eight bits at a time, as two word stores from a table (a segmentation frame is
  // millions of bits), the rest one by one.
  const whole = bitOffset === 0 ? count >> 3 : 0;
  const words = new Uint32Array(out.buffer, 0, whole * 2);
  for (let j = 0; j < whole; j++) {
    const b = bytes[j]! << 1;
    words[2 * j] = BIT_BYTES[b]!;
    words[2 * j + 1] = BIT_BYTES[b + 1]!;
  }
  for (let i = whole << 3; i < count; i++) {
    const bit = bitOffset + i;
    out[i] = (bytes[bit >> 3]! >> (bit & 7)) & 1;
  }
  return out;
}

/** Native (uncompressed, RLE or inflated) frame bytes as samples. */
export function nativeSamples(bytes: Uint8Array, bitOffset: number, module: PixelModule, isBigEndian: boolean): SampleArray {
  const count = module.rows * module.columns * (module.photometric === 'YBR_FULL_422' ? 2 : module.samplesPerPixel);
  const view = isBigEndian ? bigEndian : littleEndian;
  if (module.float === 'float32') return view(bytes, Float32Array, count);
  if (module.float === 'float64') return view(bytes, Float64Array, count);
  switch (module.bitsAllocated) {
    case 1:
      return unpackBits(bytes, bitOffset, count);
    case 8:
      checkLength(bytes, count);
      return bytes.subarray(0, count);
    case 16:
      return view(bytes, Uint16Array, count);
    case 32:
      return view(bytes, Uint32Array, count);
    default:
      throw new DicomError(`Bits Allocated ${module.bitsAllocated} is not supported for integer pixel data`);
  }
}

/** A codec's output: 8-bit samples, or 16-bit little endian. */
export function decodedSamples(frame: DecodedFrame): SampleArray {
  const count = frame.width * frame.height * frame.components;
  if (frame.bitsPerSample > 8) return littleEndian(frame.bytes, Uint16Array, count);
  checkLength(frame.bytes, count);
  return frame.bytes.subarray(0, count);
}
