import { describe, expect, it } from 'vitest';
import { pixelsFromNative } from '../../../../src-main/services/imaging/dicom/pixel-pipeline';
import type { PixelModule } from '../../../../src-main/services/imaging/dicom/pixel-module';

function module(rows: number, columns: number, overrides: Partial<PixelModule> = {}): PixelModule {
  return {
    rows,
    columns,
    samplesPerPixel: 1,
    photometric: 'MONOCHROME2',
    planarConfiguration: 0,
    frames: 1,
    bitsAllocated: 16,
    bitsStored: 12,
    highBit: 13,
    signed: true,
    float: null,
    rescaleSlope: 1,
    rescaleIntercept: 0,
    modalityLut: null,
    voiPresets: [],
    palette: null,
    ...overrides,
  };
}

/** Deterministic 16-bit words with garbage in the bits outside the stored ones. */
function words(count: number): number[] {
  let state = 12345;
  return Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state & 0xffff;
  });
}

function bytesOf(values: number[], bigEndian: boolean, leadingBytes = 0): Uint8Array {
  const bytes = new Uint8Array(leadingBytes + values.length * 2);
  values.forEach((v, i) => {
    bytes[leadingBytes + i * 2 + (bigEndian ? 1 : 0)] = v & 0xff;
    bytes[leadingBytes + i * 2 + (bigEndian ? 0 : 1)] = v >> 8;
  });
  return bytes.subarray(leadingBytes);
}

/** PS3.5 8.1.1 by hand: bits highBit-bitsStored+1 .. highBit, two's complement, then the rescale. */
function expected(raw: number, slope: number, intercept: number): number {
  const stored = Math.floor(raw / 4) % 4096;
  return (stored >= 2048 ? stored - 4096 : stored) * slope + intercept;
}

describe('pixel pipeline (native samples)', () => {
  // 40 × 40 has fewer pixels than 12-bit values (per-pixel arithmetic); 80 × 80 has more (lookup table).
  for (const [rows, columns] of [
    [40, 40],
    [80, 80],
  ] as const) {
    it(`${rows} × ${columns}: signed 12 bits at high bit 13, rescaled, from either byte order and any alignment`, () => {
      const raw = words(rows * columns);
      const want = raw.map((r) => Math.fround(expected(r, 0.5, -1024)));
      const m = module(rows, columns, { rescaleSlope: 0.5, rescaleIntercept: -1024 });
      for (const [bigEndian, offset] of [
        [false, 0],
        [false, 1],
        [true, 0],
        [true, 1],
      ] as const) {
        const pixels = pixelsFromNative(bytesOf(raw, bigEndian, offset), 0, m, bigEndian);
        if (pixels.kind !== 'grey') throw new Error('expected grey pixels');
        expect(Array.from(pixels.values), `big endian ${bigEndian}, offset ${offset}`).toEqual(want);
        expect([pixels.min, pixels.max]).toEqual([Math.min(...want), Math.max(...want)]);
        expect(pixels.wholeNumbers).toBe(false);
      }
    });
  }

  it('a modality LUT clamps below and above its range', () => {
    const m = module(1, 4, {
      bitsStored: 16,
      highBit: 15,
      signed: false,
      modalityLut: { firstMapped: 10, data: Uint16Array.from([100, 200, 300]), bits: 16 },
    });
    const pixels = pixelsFromNative(bytesOf([0, 10, 11, 500], false), 0, m, false);
    if (pixels.kind !== 'grey') throw new Error('expected grey pixels');
    expect(Array.from(pixels.values)).toEqual([100, 100, 200, 300]);
    expect(pixels.wholeNumbers).toBe(true);
  });

  it('a frame shorter than its header says is rejected with the sizes', () => {
    expect(() => pixelsFromNative(new Uint8Array(10), 0, module(4, 4), false)).toThrow('the frame holds 10 bytes where 32 were expected');
  });
});
