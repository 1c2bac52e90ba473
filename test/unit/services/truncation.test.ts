import { describe, expect, it } from 'vitest';
import { isTruncated } from '../../../src-main/services/imaging/truncation';
import { makeImage } from '../../support/fixtures';

describe('truncation check', () => {
  it('accepts whole PNG and JPEG files, also with padding after the JPEG end marker', async () => {
    const jpeg = await makeImage('jpeg', 1, 128);
    expect(isTruncated(jpeg, 'jpeg')).toBe(false);
    expect(isTruncated(Buffer.concat([jpeg, Buffer.alloc(16)]), 'jpeg')).toBe(false);
    expect(isTruncated(await makeImage('png', 1, 128), 'png')).toBe(false);
  });

  it('finds files cut anywhere before their end', async () => {
    const jpeg = await makeImage('jpeg', 2, 128);
    const png = await makeImage('png', 2, 128);
    for (const fraction of [0.1, 0.5, 0.9]) {
      expect(isTruncated(jpeg.subarray(0, Math.floor(jpeg.length * fraction)), 'jpeg')).toBe(true);
      expect(isTruncated(png.subarray(0, Math.floor(png.length * fraction)), 'png')).toBe(true);
    }
    expect(isTruncated(jpeg.subarray(0, jpeg.length - 1), 'jpeg')).toBe(true);
  });
});
