import { describe, expect, it } from 'vitest';
import { renderGrey, type VoiPreset } from '@shared/imaging/voi';
import { applyLut, applyLut8, buildLut, LUT_SIZE, lutIndices, paletteLut } from '@shared/imaging/window-lut';

function bytesOf(values: Int16Array | Uint16Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** What the per-pixel path draws, as RGBA words, to compare with the table's result. */
function direct(values: ArrayLike<number>, voi: VoiPreset, invert: boolean): Uint32Array {
  const rgba = new Uint8Array(values.length * 4);
  renderGrey(values, voi, invert, rgba, 4);
  for (let i = 0; i < values.length; i++) [rgba[i * 4 + 1], rgba[i * 4 + 2], rgba[i * 4 + 3]] = [rgba[i * 4]!, rgba[i * 4]!, 255];
  return new Uint32Array(rgba.buffer);
}

function throughLut(values: Int16Array | Uint16Array, voi: VoiPreset, invert: boolean): Uint32Array {
  const indices = lutIndices(values instanceof Int16Array ? 'int16' : 'uint16', bytesOf(values)) as Uint16Array;
  const out = new Uint32Array(values.length);
  applyLut(indices, buildLut(voi, invert, values instanceof Int16Array), out);
  return out;
}

describe('window/level through a lookup table', () => {
  const signed = Int16Array.from([-32768, -1024, -600, -1, 0, 1, 40, 1500, 32767]);
  const unsigned = Uint16Array.from([0, 1, 100, 4095, 15000, 30000, 40000, 65535]);
  const windows: VoiPreset[] = [
    { kind: 'window', name: 'lung', center: -600, width: 1500 },
    { kind: 'window', name: 'CR', center: 15000, width: 30000 },
    { kind: 'window', name: 'narrow', center: 40, width: 1 },
    { kind: 'lut', name: 'VOI LUT', firstMapped: -10, data: [0, 100, 4095, 2000], bits: 12 },
  ];

  it.each(windows)('gives exactly the per-pixel rendering ($name), signed and unsigned, plain and inverted', (voi) => {
    for (const invert of [false, true]) {
      expect(throughLut(signed, voi, invert)).toEqual(direct(signed, voi, invert));
      expect(throughLut(unsigned, voi, invert)).toEqual(direct(unsigned, voi, invert));
    }
  });

  it('reads the frame bytes in place, copying only an odd-aligned buffer', () => {
    const bytes = bytesOf(Uint16Array.from([1, 2, 3]));
    expect(lutIndices('uint16', bytes)!.buffer).toBe(bytes.buffer);
    const odd = new Uint8Array(7).subarray(1);
    odd.set(bytes);
    expect(Array.from(lutIndices('int16', odd)!)).toEqual([1, 2, 3]);
    expect(lutIndices('float32', bytes)).toBeNull();
  });

  it.each(windows)('renders a uint8 frame through a 256-entry table exactly as per pixel ($name)', (voi) => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (const invert of [false, true]) {
      const out = new Uint32Array(bytes.length);
      // A table left over from a 16-bit frame must not leak into the 256 entries rebuilt.
      const lut = new Uint32Array(LUT_SIZE).fill(0x12345678);
      applyLut8(lutIndices('uint8', bytes) as Uint8Array, buildLut(voi, invert, false, lut, 256), out);
      expect(out).toEqual(direct(bytes, voi, invert));
    }
  });

  it('paints palette colour as opaque RGBA from the triplets, inverted on request', () => {
    const triplets = Uint8Array.from([0, 0, 0, 255, 0, 0, 10, 200, 30]);
    const indices = Uint8Array.from([2, 1, 0, 2]);
    const rgba = (invert: boolean) => {
      const out = new Uint32Array(indices.length);
      applyLut8(indices, paletteLut(triplets, invert), out);
      return Array.from(new Uint8Array(out.buffer));
    };
    expect(rgba(false)).toEqual([10, 200, 30, 255, 255, 0, 0, 255, 0, 0, 0, 255, 10, 200, 30, 255]);
    expect(rgba(true)).toEqual([245, 55, 225, 255, 0, 255, 255, 255, 255, 255, 255, 255, 245, 55, 225, 255]);
  });
});
