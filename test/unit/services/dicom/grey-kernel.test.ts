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
    let storedBytes = 0;
    for (let trial = 0; trial < 2000; trial++) {
      const wide = next() < 0.7;
      const count = 1 + Math.floor(next() * 70);
      const bits = 1 + Math.floor(next() * (wide ? 16 : 8));
      const shift = Math.floor(next() * ((wide ? 16 : 8) - bits + 1));
      const signed = next() < 0.5;
      const saturate = !signed && next() < 0.3;
      const fractional = next() < 0.3;
      const slope = fractional ? pick([0.5, 3.774114, -1.25, 1e-7]) : pick([1, 1, 2, -1, 3, 0]);
      const intercept = fractional ? pick([0, 0.000061, -1024.5, 1e6]) : pick([0, 0, 0, -1024, 100, 32768, -5, 70000]);
      const samples = wide ? new Uint16Array(count) : new Uint8Array(count);
      for (let i = 0; i < count; i++) samples[i] = Math.floor(next() * (wide ? 65536 : 256));
      const want = reference(samples, shift, bits, signed, saturate, slope, intercept);
      const [min, max] = [Math.min(...want), Math.max(...want)];
      const frame = linearGrey({ samples, count, shift, bitsStored: bits, signed, saturate, slope, intercept });
      // An integer rescale gives integers; a fractional one float32 even where a value happens to be whole.
      const integers = !fractional;
      // 8-bit samples shown as stored stay one byte a pixel.
      const asStored = !wide && !signed && shift === 0 && slope === 1 && intercept === 0;
      const dtype = asStored ? 'uint8' : integers && min >= -32768 && max <= 32767 ? 'int16' : integers && min >= 0 && max <= 65535 ? 'uint16' : 'float32';
      expect(frame!.dtype).toBe(dtype);
      if (asStored) storedBytes += 1;
      const Type = { uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, float32: Float32Array }[dtype];
      // Four-byte floats hold each value rounded once from the double the arithmetic gives.
      expect(Array.from(new Type(frame!.data.buffer as ArrayBuffer))).toEqual(dtype === 'float32' ? want.map(Math.fround) : want);
      expect([frame!.min, frame!.max]).toEqual([min, max]);
      checked += 1;
    }
    expect(checked).toBe(2000);
    expect(storedBytes).toBeGreaterThan(0);
  });

  it('keeps 8-bit samples shown as stored at one byte a pixel: the stored bits, or clamped when lossy', () => {
    const next = random(8);
    for (let trial = 0; trial < 300; trial++) {
      const count = 1 + Math.floor(next() * 300);
      const bits = 1 + Math.floor(next() * 8);
      const saturate = next() < 0.3;
      const samples = Uint8Array.from({ length: count + 5 }, () => Math.floor(next() * 256));
      const want = reference(samples.subarray(0, count), 0, bits, false, saturate, 1, 0);
      const frame = linearGrey({ samples, count, shift: 0, bitsStored: bits, signed: false, saturate, slope: 1, intercept: 0 })!;
      expect(frame.dtype).toBe('uint8');
      expect(Array.from(frame.data)).toEqual(want);
      expect([frame.min, frame.max]).toEqual([Math.min(...want), Math.max(...want)]);
      // A buffer of its own: the frame is sent to another thread, and the samples may be the whole file.
      expect(frame.data.buffer.byteLength).toBe(count);
    }
  });

  it('leaves more than 16 stored bits and non-finite rescales to the table path', () => {
    const samples = Uint16Array.from([1, 2, 3]);
    const base = { samples, count: 3, shift: 0, bitsStored: 12, signed: false, saturate: false, slope: 1, intercept: 0 };
    expect(linearGrey({ ...base, bitsStored: 17 })).toBeNull();
    expect(linearGrey({ ...base, slope: Number.NaN })).toBeNull();
    expect(linearGrey({ ...base, slope: 0.5 })?.dtype).toBe('float32');
    expect(linearGrey(base)?.dtype).toBe('int16');
  });

  it('is built from the WebAssembly text beside it (scripts/build-grey-kernel.mjs)', async () => {
    const generated = readFileSync(path.resolve(import.meta.dirname, '../../../../src-main/services/imaging/dicom/grey-kernel-wasm.ts'), 'utf8');
    expect(generated).toBe(generatedSource(await compileGreyKernel()));
  });
});
