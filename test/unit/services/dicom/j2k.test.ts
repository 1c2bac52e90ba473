import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DicomError } from '../../../../src-main/services/imaging/dicom/dicom-error';
import { openDicomImage } from '../../../../src-main/services/imaging/dicom/dicom-image';
import { encapsulatedFrame, pixelDataElement } from '../../../../src-main/services/imaging/dicom/frame-bytes';
import { decodeJ2k, decodeJ2kBand, setBandHelper, type J2kBand } from '../../../../src-main/services/imaging/dicom/j2k';
import { transferSyntax } from '../../../../src-main/services/imaging/dicom/transfer-syntaxes';
import { dicomPath } from '../../../support/dicom';
import { requireSharedData } from '../../../support/shared-data';

/**
 * Our OpenJPEG build (native/openjpeg-wasm) against cornerstone's (@cornerstonejs/codec-openjpeg,
 * another build of OpenJPEG, kept as a dev dependency for this): every sample of every JPEG 2000
 * frame of the corpus must be equal, whole and when decoded as two bands of rows and joined.
 */
interface Reference {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  delete(): void;
}
const require = createRequire(import.meta.url);
const cornerstone = (await (require('@cornerstonejs/codec-openjpeg/decodewasmjs') as (o: object) => Promise<{ J2KDecoder: new () => Reference }>)({
  print() {},
  printErr() {},
})) as { J2KDecoder: new () => Reference };

function reference(data: Uint8Array): Uint8Array {
  const decoder = new cornerstone.J2KDecoder();
  try {
    decoder.getEncodedBuffer(data.length).set(data);
    decoder.decode();
    const decoded = new Uint8Array(decoder.getDecodedBuffer());
    // It gives nothing (no error) for a header it cannot use, such as a forged size of 3.8 million megapixels.
    if (decoded.length === 0) throw new Error('nothing decoded');
    return decoded;
  } finally {
    decoder.delete();
  }
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Every JPEG 2000 frame of the corpus that is whole (damaged files are the importer's tests). */
function corpusFrames(): { name: string; data: Uint8Array; size: { width: number; height: number } }[] {
  const files = readFileSync(path.join(requireSharedData('dicom'), 'index.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')[0]!);
  const frames = [];
  for (const file of files) {
    let image;
    try {
      image = openDicomImage(readFileSync(dicomPath(file)));
    } catch {
      continue;
    }
    if (transferSyntax(image.parsed.transferSyntaxUid)?.encoding !== 'jpeg2000') continue;
    for (let f = 0; f < image.module.frames; f++) {
      try {
        const data = encapsulatedFrame(image.parsed.dataSet, pixelDataElement(image.parsed.dataSet)!, image.module, f);
        frames.push({ name: `${file} frame ${f}`, data, size: { width: image.module.columns, height: image.module.rows } });
      } catch {
        // a frame the file does not hold whole
      }
    }
  }
  return frames;
}

const join = (a: J2kBand, b: J2kBand) => {
  const bytes = new Uint8Array(a.bytes.length + b.bytes.length);
  bytes.set(a.bytes);
  bytes.set(b.bytes, a.bytes.length);
  return bytes;
};

describe('JPEG 2000 decoding (OpenJPEG in wasm)', () => {
  const frames = corpusFrames();
  afterEach(() => setBandHelper(null));

  it('covers the corpus: lossless and lossy, grey up to 16 bits, 1-bit, colour', () => {
    expect(frames.length).toBeGreaterThanOrEqual(35);
  });

  it('decodes every frame to exactly the samples of another OpenJPEG build, and any two bands of rows join to them', () => {
    let [split, refused] = [0, 0];
    for (const { name, data, size } of frames) {
      let want: Uint8Array;
      try {
        want = reference(data);
      } catch {
        expect(() => decodeJ2kBand(data, size), name).toThrow(DicomError);
        refused++;
        continue;
      }
      const whole = decodeJ2kBand(data, size);
      expect([whole.width, whole.height], name).toEqual([size.width, size.height]);
      expect(firstDifference(whole.bytes, want), name).toBe(-1);
      for (const at of [1, Math.round(size.height * 0.37), size.height >> 1, size.height - 1]) {
        if (at <= 0 || at >= size.height) continue;
        const [top, bottom] = [decodeJ2kBand(data, size, 0, at), decodeJ2kBand(data, size, at, size.height)];
        expect([top.height, bottom.height], name).toEqual([at, size.height - at]);
        expect(firstDifference(join(top, bottom), whole.bytes), `${name} split at row ${at}`).toBe(-1);
        split++;
      }
    }
    expect(split).toBeGreaterThan(100);
    expect(refused).toBeLessThanOrEqual(1);
  });

  it('shares a large image with the band helper, and decodes the lower band itself when the helper fails', async () => {
    const large = frames.find((f) => f.size.width * f.size.height >= 2_000_000 && f.name.includes('J2KR'))!;
    const whole = decodeJ2kBand(large.data, large.size);
    const asked: number[][] = [];
    setBandHelper((data, size, y0, y1) => {
      asked.push([y0, y1]);
      return Promise.resolve(decodeJ2kBand(data, size, y0, y1));
    });
    const shared = await decodeJ2k(large.data, large.size);
    expect(asked).toEqual([[large.size.height >> 1, large.size.height]]);
    expect(firstDifference(shared.bytes, whole.bytes)).toBe(-1);
    setBandHelper(() => Promise.reject(new Error('helper gone')));
    expect(firstDifference((await decodeJ2k(large.data, large.size)).bytes, whole.bytes)).toBe(-1);
    // A small image is not worth a second thread.
    const small = frames.find((f) => f.size.width * f.size.height < 300_000)!;
    asked.length = 0;
    await decodeJ2k(small.data, small.size);
    expect(asked).toEqual([]);
  });

  it('refuses a codestream of another size than the DICOM header’s before decoding it, and damaged data with OpenJPEG’s reason', () => {
    const { data, size } = frames.find((f) => f.name.includes('MR2_J2KR'))!;
    expect(() => decodeJ2kBand(data, { width: size.width, height: size.height + 1 })).toThrow(/the frame is 1024 × 1024 but the DICOM header says 1024 × 1025/);
    expect(() => decodeJ2kBand(data.subarray(0, 40), size)).toThrow(/^the JPEG 2000 data cannot be decoded \(.+\)$/);
    expect(() => decodeJ2kBand(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), size)).toThrow(DicomError);
    expect(() => decodeJ2kBand(data, size, 10, 5)).toThrow(/outside the image/);
    // The instance that refused is replaced: the next image decodes as before.
    expect(firstDifference(decodeJ2kBand(data, size).bytes, reference(data))).toBe(-1);
  });
});
