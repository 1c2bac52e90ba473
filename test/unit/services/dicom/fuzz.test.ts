import { describe, expect, it } from 'vitest';
import { DicomDecodePool } from '../../../../src-main/services/imaging/dicom/decode-pool';
import { DicomError } from '../../../../src-main/services/imaging/dicom/dicom-error';
import { readDicomFile } from '../../../support/dicom';

/** Small corpus files, one per decoding path. */
const SEEDS = [
  'pydicom_test_files/CT_small.dcm',
  'pydicom_test_files/MR_small_RLE.dcm',
  'pydicom_test_files/MR_small_jp2klossless.dcm',
  'pydicom_test_files/MR_small_jpeg_ls_lossless.dcm',
  'pydicom_test_files/SC_rgb_jpeg_gdcm.dcm',
  'pydicom_test_files/JPGExtended.dcm',
  'pydicom_test_files/SC_rgb_dcmtk_+eb+cy+n1.dcm',
  'dicomParser/deflate__image_dfl',
  'pydicom_test_files/ExplVR_BigEndNoMeta.dcm',
];
const VARIANTS_PER_SEED = 300;
const PER_FILE_LIMIT_MS = 5_000;

/** Deterministic, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function variant(bytes: Buffer, next: () => number, index: number): Buffer {
  if (index % 2 === 0) return bytes.subarray(0, Math.floor(next() * bytes.length));
  const copy = Buffer.from(bytes);
  const flips = 1 + Math.floor(next() * 8);
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(next() * copy.length);
    copy[at] = copy[at]! ^ (1 << Math.floor(next() * 8));
  }
  return copy;
}

describe('fuzz: truncated and bit-flipped corpus files', () => {
  it(`each of ${SEEDS.length * VARIANTS_PER_SEED} variants decodes or is rejected with a reason, within ${PER_FILE_LIMIT_MS / 1000} s`, async () => {
    const pool = new DicomDecodePool(2, PER_FILE_LIMIT_MS);
    const outcomes = { decoded: 0, rejected: 0, notDicom: 0 };
    const next = random(20261124);
    try {
      for (const seed of SEEDS) {
        const bytes = readDicomFile(seed);
        const jobs = Array.from({ length: VARIANTS_PER_SEED }, (_, i) => variant(bytes, next, i)).map(async (input) => {
          try {
            const summary = await pool.summarize(input);
            if (summary === null) outcomes.notDicom += 1;
            else outcomes.decoded += 1;
          } catch (error) {
            expect(error).toBeInstanceOf(DicomError);
            expect((error as Error).message.length).toBeGreaterThan(5);
            expect((error as Error).message).not.toMatch(/took longer/);
            outcomes.rejected += 1;
          }
        });
        await Promise.all(jobs);
      }
    } finally {
      await pool.close();
    }
    expect(outcomes.decoded + outcomes.rejected + outcomes.notDicom).toBe(SEEDS.length * VARIANTS_PER_SEED);
    // Both outcomes occur: the corpus variants exercise decoding and rejection alike.
    expect(outcomes.decoded).toBeGreaterThan(100);
    expect(outcomes.rejected).toBeGreaterThan(100);
  }, 180_000);
});
