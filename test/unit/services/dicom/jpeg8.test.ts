import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp, { type JpegOptions } from 'sharp';
import { describe, expect, it } from 'vitest';
import { DicomError } from '../../../../src-main/services/imaging/dicom/dicom-error';
import { openDicomImage } from '../../../../src-main/services/imaging/dicom/dicom-image';
import { encapsulatedFrame, pixelDataElement } from '../../../../src-main/services/imaging/dicom/frame-bytes';
import { jpegFrameHeader } from '../../../../src-main/services/imaging/dicom/jpeg12';
import { decodeJpeg8 } from '../../../../src-main/services/imaging/dicom/jpeg8';
import { transferSyntax } from '../../../../src-main/services/imaging/dicom/transfer-syntaxes';
import { dicomPath } from '../../../support/dicom';

/**
 * Our libjpeg-turbo build (native/libjpeg-wasm: its C decoder plus our wasm SIMD colour conversion,
 * upsampling and IDCT) against libvips' libjpeg-turbo (sharp), which gives the same pixels as Pillow:
 * every sample must be equal.
 */
async function reference(jpeg: Uint8Array): Promise<{ data: Uint8Array; width: number; height: number; channels: number }> {
  // libvips hands a grey JPEG out as sRGB unless asked for grey.
  const grey = (await sharp(jpeg).metadata()).channels === 1;
  const { data, info } = await (grey ? sharp(jpeg).toColourspace('b-w') : sharp(jpeg)).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels };
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Saturated colour ramps with noise on top: every clamp of the colour conversion is reached. */
function testImage(width: number, height: number, channels: 1 | 3): Buffer {
  const pixels = Buffer.alloc(width * height * channels);
  let seed = width * 7919 + height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const ramp = ((x * (c + 1) * 255) / Math.max(1, width - 1) + (y * 255) / Math.max(1, height - 1)) % 256;
        pixels[(y * width + x) * channels + c] = (ramp + (seed >>> 24) - 128 + 256) % 256;
      }
    }
  }
  return pixels;
}

async function encode(width: number, height: number, channels: 1 | 3, options: JpegOptions): Promise<Uint8Array> {
  const image = sharp(testImage(width, height, channels), { raw: { width, height, channels } });
  // One channel in stays one component only when libvips is told the image is grey.
  return new Uint8Array(await (channels === 1 ? image.toColourspace('b-w') : image).jpeg(options).toBuffer());
}

describe('8-bit JPEG decoding (libjpeg-turbo in wasm)', () => {
  const sizes = [
    [1, 1],
    [7, 5],
    [17, 9],
    [64, 48],
    [333, 257],
  ] as const;
  for (const [width, height] of sizes) {
    for (const chroma of ['4:2:0', '4:4:4'] as const) {
      for (const progressive of [false, true]) {
        it(`${width} x ${height} colour ${chroma}${progressive ? ' progressive' : ''}: the same pixels as libvips`, async () => {
          const jpeg = await encode(width, height, 3, { quality: 90, chromaSubsampling: chroma, progressive });
          const want = await reference(jpeg);
          const got = decodeJpeg8(jpeg);
          expect([got.width, got.height, got.components]).toEqual([want.width, want.height, want.channels]);
          expect(firstDifference(got.bytes, want.data)).toBe(-1);
        });
      }
    }
    it(`${width} x ${height} grey: the same pixels as libvips`, async () => {
      const jpeg = await encode(width, height, 1, { quality: 75 });
      const want = await reference(jpeg);
      const got = decodeJpeg8(jpeg);
      expect([got.width, got.height, got.components]).toEqual([want.width, want.height, 1]);
      expect(firstDifference(got.bytes, want.data)).toBe(-1);
    });
  }

  it('4:2:2 colour (odd width, noise: the horizontal upsampler): the same pixels as libvips', async () => {
    const jpeg = new Uint8Array(readFileSync(path.resolve(import.meta.dirname, '../../../fixtures/jpeg/noise-422.jpg')));
    const want = await reference(jpeg);
    const got = decodeJpeg8(jpeg);
    expect([got.width, got.height, got.components]).toEqual([77, 31, 3]);
    expect(firstDifference(got.bytes, want.data)).toBe(-1);
  });

  it('every 8-bit JPEG frame of the shared DICOM corpus (4:2:2 YBR, RGB without transform, grey): the same pixels as libvips', async () => {
    const index = readFileSync(dicomPath('index.tsv'), 'utf8').trim().split('\n').slice(1);
    let frames = 0;
    for (const line of index) {
      const file = line.split('\t')[0]!;
      if (!line.includes('1.2.840.10008.1.2.4.50') && !line.includes('1.2.840.10008.1.2.4.51')) continue;
      let image;
      try {
        image = openDicomImage(readFileSync(dicomPath(file)));
      } catch {
        continue; // files the importer refuses
      }
      if (transferSyntax(image.parsed.transferSyntaxUid)?.encoding !== 'jpeg-baseline') continue;
      for (let f = 0; f < image.module.frames; f++) {
        const jpeg = encapsulatedFrame(image.parsed.dataSet, pixelDataElement(image.parsed.dataSet)!, image.module, f);
        if (jpegFrameHeader(jpeg)?.precision !== 8) continue;
        let want;
        try {
          want = await reference(jpeg);
        } catch {
          continue; // damaged on purpose: the other tests cover refusals
        }
        const got = decodeJpeg8(jpeg);
        expect(firstDifference(got.bytes, want.data), `${file} frame ${f}`).toBe(-1);
        frames++;
      }
    }
    expect(frames).toBeGreaterThanOrEqual(40);
  });

  it('a truncated stream is refused with libjpeg’s reason, and the next image decodes as before', async () => {
    const jpeg = await encode(64, 48, 3, { quality: 90 });
    const before = decodeJpeg8(jpeg).bytes;
    expect(() => decodeJpeg8(jpeg.subarray(0, jpeg.length >> 1))).toThrow(/^the JPEG data cannot be decoded \(.*(premature|end).*\)$/i);
    expect(firstDifference(decodeJpeg8(jpeg).bytes, before)).toBe(-1);
  });

  it('corrupt entropy-coded data is refused rather than shown with invented grey blocks', async () => {
    const jpeg = await encode(64, 48, 3, { quality: 90 });
    const damaged = jpeg.slice();
    // Somewhere in the scan data, after the headers: a run of bytes that are no valid Huffman codes.
    damaged.fill(0xff, jpeg.length - 300, jpeg.length - 280);
    expect(() => decodeJpeg8(damaged)).toThrow(DicomError);
  });

  it('what is not a JPEG, or a CMYK JPEG, gets a specific error', async () => {
    expect(() => decodeJpeg8(new Uint8Array([1, 2, 3, 4, 5, 6]))).toThrow(/cannot be decoded \(Not a JPEG file/);
    const cmyk = new Uint8Array(await sharp(testImage(16, 16, 3), { raw: { width: 16, height: 16, channels: 3 } }).toColourspace('cmyk').jpeg().toBuffer());
    expect(() => decodeJpeg8(cmyk)).toThrow(/only 1- and 3-component JPEG/);
  });

  it('a stream whose size is not the DICOM header’s is refused before its pixels are allocated', async () => {
    const jpeg = await encode(64, 48, 3, { quality: 90 });
    expect(decodeJpeg8(jpeg, { width: 64, height: 48 }).width).toBe(64);
    expect(() => decodeJpeg8(jpeg, { width: 48, height: 64 })).toThrow(/the JPEG frame is 64 × 48 but the DICOM header says 48 × 64/);
    // A forged frame header of 60000 × 60000 (10.8 GB of RGB): refused at once, not allocated first.
    const forged = jpeg.slice();
    const sof = forged.findIndex((b, i) => b === 0xff && (forged[i + 1] === 0xc0 || forged[i + 1] === 0xc2));
    forged.set([0xea, 0x60, 0xea, 0x60], sof + 5);
    expect(() => decodeJpeg8(forged, { width: 64, height: 48 })).toThrow(/is 60000 × 60000 but the DICOM header says 64 × 48/);
    expect(firstDifference(decodeJpeg8(jpeg).bytes, decodeJpeg8(jpeg, { width: 64, height: 48 }).bytes)).toBe(-1);
  });
});
