import { DicomError } from './dicom-error';

/**
 * DICOM RLE Lossless (PS3.5 Annex G): up to 15 PackBits segments, one per byte plane, most
 * significant byte first within each sample. Returns the frame as native little-endian,
 * pixel-interleaved bytes (for 1-bit data: the packed bits, as in native pixel data).
 */
export function decodeRle(data: Uint8Array, pixels: number, samplesPerPixel: number, bitsAllocated: number): Uint8Array {
  if (data.length < 64) throw new DicomError('the RLE frame is shorter than its 64-byte header');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const segments = view.getUint32(0, true);
  const bytesPerSample = bitsAllocated === 1 ? 1 : bitsAllocated / 8;
  const expected = bitsAllocated === 1 ? 1 : bytesPerSample * samplesPerPixel;
  if (segments !== expected) throw new DicomError(`the RLE frame has ${segments} segments where ${expected} were expected`);
  const segmentLength = bitsAllocated === 1 ? Math.ceil(pixels / 8) : pixels;
  const out = new Uint8Array(bitsAllocated === 1 ? segmentLength : pixels * expected);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + s * 4, true);
    const end = s + 1 < segments ? view.getUint32(8 + s * 4, true) : data.length;
    if (start < 64 || start > end || end > data.length) throw new DicomError('the RLE segment offsets point outside the frame');
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    const stride = bitsAllocated === 1 ? 1 : expected;
    const offset = bitsAllocated === 1 ? 0 : sample * bytesPerSample + byteInSample;
    unpackBits(data, start, end, out, offset, stride, segmentLength);
  }
  return out;
}

function unpackBits(data: Uint8Array, start: number, end: number, out: Uint8Array, offset: number, stride: number, count: number): void {
  let i = start;
  let n = 0;
  while (i < end && n < count) {
    const header = data[i++]!;
    if (header < 128) {
      const run = Math.min(header + 1, count - n, end - i);
      for (let k = 0; k < run; k++) out[offset + (n++) * stride] = data[i++]!;
    } else if (header > 128) {
      const value = data[i++]!;
      const run = Math.min(257 - header, count - n);
      for (let k = 0; k < run; k++) out[offset + (n++) * stride] = value;
    }
  }
  if (n < count) throw new DicomError(`an RLE segment is truncated (${n} of ${count} bytes)`);
}
