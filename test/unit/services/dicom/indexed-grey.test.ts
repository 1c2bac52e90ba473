import { describe, expect, it } from 'vitest';
import { IndexedGrey } from '../../../../src-main/services/imaging/dicom/indexed-grey';
import type { PixelModule } from '../../../../src-main/services/imaging/dicom/pixel-module';
import { nativeSamples } from '../../../../src-main/services/imaging/dicom/sample-arrays';

/** Deterministic pseudo-random integers below `limit`. */
function randoms(count: number, limit: number, seed = 7): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % limit;
  });
}

const table = (size: number, f: (u: number) => number) => Float64Array.from({ length: size }, (_, u) => f(u));

describe('a grey frame kept as samples and a table', () => {
  const samples = Uint16Array.from(randoms(5000, 0x10000));
  const lookedUp = (t: Float64Array, shift: number, mask: number) => Array.from(samples, (s) => t[(s >>> shift) & mask]!);

  it('gives every pixel its table entry, through any converted table, with the range from the same pass', () => {
    // 12 stored bits at high bit 13, signed, rescaled by 2 and -1024: entries from -5120 to 3070.
    const t = table(4096, (u) => (u >= 2048 ? u - 4096 : u) * 2 - 1024);
    const frame = new IndexedGrey(samples, samples.length, 2, 0xfff, false, () => t);
    const want = lookedUp(t, 2, 0xfff);
    expect(Array.from(frame.mapWithRange(new Int16Array(t), new Int16Array(samples.length)))).toEqual(want);
    expect(frame.range()).toEqual({ min: Math.min(...want), max: Math.max(...want) });
    expect(Array.from(frame.values())).toEqual(want.map(Math.fround));
    expect(frame.integers()).toBe(true);
    expect(frame.asStored()).toBeNull();
  });

  it('finds the range and whole numbers by itself when nothing else read the frame', () => {
    const fractional = table(4096, (u) => u * 0.5);
    const frame = new IndexedGrey(samples, samples.length, 4, 0xfff, false, () => fractional);
    const want = lookedUp(fractional, 4, 0xfff);
    expect(frame.range()).toEqual({ min: Math.min(...want), max: Math.max(...want) });
    // Half of the entries are whole: the frame decides, not the table.
    expect(frame.integers()).toBe(want.every(Number.isInteger));
    expect(new IndexedGrey(samples, samples.length, 4, 0xfff, false, () => table(4096, (u) => u + 0.25)).integers()).toBe(false);
  });

  it('clamps lossy samples above the stored bits instead of wrapping them', () => {
    const t = table(256, (u) => u);
    const frame = new IndexedGrey(Uint16Array.from([10, 255, 256, 4000]), 4, 0, 0xff, true, () => t);
    expect(Array.from(frame.map(t, new Float64Array(4)))).toEqual([10, 255, 255, 255]);
    expect(frame.range()).toEqual({ min: 10, max: 255 });
  });

  it('is its stored samples as they are when the table is the identity, and only then', () => {
    const twelveBits = Uint16Array.from(randoms(5000, 4096));
    const unsigned = new IndexedGrey(twelveBits, 5000, 0, 0xfff, false, () => table(4096, (u) => u));
    const stored = unsigned.asStored()!;
    expect(new Uint16Array(stored.data.buffer)).toEqual(twelveBits);
    expect(stored.data.buffer).not.toBe(twelveBits.buffer);
    expect([stored.min, stored.max]).toEqual([Math.min(...twelveBits), Math.max(...twelveBits)]);
    // Bits above the stored ones are not part of the value: the samples are then not the values.
    expect(new IndexedGrey(samples, samples.length, 0, 0xfff, false, () => table(4096, (u) => u)).asStored()).toBeNull();
    const signed = new IndexedGrey(samples, samples.length, 0, 0xffff, false, () => table(0x10000, (u) => (u >= 0x8000 ? u - 0x10000 : u)));
    const asInt16 = new Int16Array(signed.asStored()!.data.buffer);
    expect(asInt16).toEqual(new Int16Array(samples.buffer));
    expect(new IndexedGrey(twelveBits, 5000, 0, 0xfff, false, () => table(4096, (u) => u - 1024)).asStored()).toBeNull();
  });

  it('reads a Node Buffer of 8-bit samples as its bytes', () => {
    const bytes = Buffer.from(randoms(1000, 256));
    const t = table(256, (u) => 255 - u);
    expect(Array.from(new IndexedGrey(bytes, 1000, 0, 0xff, false, () => t).map(t, new Float64Array(1000)))).toEqual(Array.from(bytes, (b) => 255 - b));
  });
});

describe('1-bit samples', () => {
  it('unpack least significant bit first, whole bytes or from any bit offset', () => {
    const bytes = Uint8Array.from(randoms(40, 256));
    const bit = (i: number) => (bytes[i >> 3]! >> (i & 7)) & 1;
    const module = (count: number) => ({ rows: 1, columns: count, samplesPerPixel: 1, photometric: 'MONOCHROME2', bitsAllocated: 1, float: null }) as PixelModule;
    for (const [offset, count] of [[0, 320], [0, 317], [3, 300]] as const) {
      expect(Array.from(nativeSamples(bytes, offset, module(count), false))).toEqual(Array.from({ length: count }, (_, i) => bit(offset + i)));
    }
  });
});
