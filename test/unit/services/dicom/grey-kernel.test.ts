import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { linearGrey } from '../../../../src-main/services/imaging/dicom/grey-kernel';
// @ts-expect-error a plain ES module script without types
import { compileGreyKernel, generatedSource } from '../../../../scripts/build-grey-kernel.mjs';

/** Deterministic pseudo-random numbers in [0, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The standard's arithmetic, one pixel at a time: Bits Stored bits below High Bit, sign, then the rescale. */
function reference(samples: ArrayLike<number>, shift: number, bits: number, signed: boolean, saturate: boolean, slope: number, intercept: number): number[] {
  const mask = 2 ** bits - 1;
  return Array.from(samples, (sample) => {
    const u = sample >>> shift;
    let stored = saturate ? Math.min(u, mask) : u & mask;
    if (signed && stored >= 2 ** (bits - 1)) stored -= 2 ** bits;
    return stored * slope + intercept;
  });
}

describe('the SIMD grey kernel', () => {
  it('gives every pixel and the range the per-pixel arithmetic gives, for every layout it takes', () => {
    const next = random(20261201);
    const pick = <T>(values: T[]) => values[Math.floor(next() * values.length)]!;
    let checked = 0;
    for (let trial = 0; trial < 2000; trial++) {
      const wide = next() < 0.7;
      const count = 1 + Math.floor(next() * 70);
      const bits = 1 + Math.floor(next() * (wide ? 16 : 8));
      const shift = Math.floor(next() * ((wide ? 16 : 8) - bits + 1));
      const signed = next() < 0.5;
      const saturate = !signed && next() < 0.3;
      const [slope, intercept] = [pick([1, 1, 2, -1, 3, 0]), pick([0, -1024, 100, 32768, -5])];
      const samples = wide ? new Uint16Array(count) : new Uint8Array(count);
      for (let i = 0; i < count; i++) samples[i] = Math.floor(next() * (wide ? 65536 : 256));
      const want = reference(samples, shift, bits, signed, saturate, slope, intercept);
      const [min, max] = [Math.min(...want), Math.max(...want)];
      const frame = linearGrey({ samples, count, shift, bitsStored: bits, signed, saturate, slope, intercept });
      const fits = (min >= -32768 && max <= 32767) || (min >= 0 && max <= 65535);
      if (!fits) {
        // Values outside both 16-bit types are left to the table path.
        expect(frame).toBeNull();
        continue;
      }
      expect(frame).not.toBeNull();
      const values = frame!.dtype === 'int16' ? new Int16Array(frame!.data.buffer) : new Uint16Array(frame!.data.buffer);
      expect(Array.from(values)).toEqual(want);
      expect([frame!.min, frame!.max]).toEqual([min, max]);
      expect(frame!.dtype).toBe(min >= -32768 && max <= 32767 ? 'int16' : 'uint16');
      checked += 1;
    }
    expect(checked).toBeGreaterThan(1500);
  });

  it('leaves fractional rescales and more than 16 bits to the table path', () => {
    const samples = Uint16Array.from([1, 2, 3]);
    const base = { samples, count: 3, shift: 0, bitsStored: 12, signed: false, saturate: false, slope: 1, intercept: 0 };
    expect(linearGrey({ ...base, slope: 0.5 })).toBeNull();
    expect(linearGrey({ ...base, intercept: -0.5 })).toBeNull();
    expect(linearGrey({ ...base, bitsStored: 17 })).toBeNull();
    expect(linearGrey(base)).not.toBeNull();
  });

  it('is built from the WebAssembly text beside it (scripts/build-grey-kernel.mjs)', async () => {
    const generated = readFileSync(path.resolve(import.meta.dirname, '../../../../src-main/services/imaging/dicom/grey-kernel-wasm.ts'), 'utf8');
    expect(generated).toBe(generatedSource(await compileGreyKernel()));
  });
});
