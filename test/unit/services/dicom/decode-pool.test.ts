import { describe, expect, it } from 'vitest';
import { DicomDecodePool } from '../../../../src-main/services/imaging/dicom/decode-pool';
import { decodeDicomFrame } from '../../../../src-main/services/imaging/dicom/dicom-image';
import { dicomPath, readDicomFile } from '../../../support/dicom';

/** A 2140 × 1760 lossless JPEG 2000 radiograph: well over a second to decode on these cores. */
const SLOW = 'wg04/J2KR__RG2_J2KR.dcm';
const MULTI_FRAME = 'pydicom_data/emri_small.dcm';

describe('the decode pool', () => {
  it('gives each caller its own frame when many frames of several files are asked for at once', async () => {
    const pool = new DicomDecodePool(2);
    try {
      const asked = [MULTI_FRAME, 'pydicom_test_files/CT_small.dcm', MULTI_FRAME].flatMap((file) =>
        Array.from({ length: file === MULTI_FRAME ? 10 : 1 }, (_, frame) => ({ file, frame })),
      );
      const frames = await Promise.all(asked.map(({ file, frame }) => pool.frame({ path: dicomPath(file) }, frame)));
      for (const [i, { file, frame }] of asked.entries()) {
        const alone = await decodeDicomFrame(readDicomFile(file), frame);
        expect(frames[i]!.frame).toBe(frame);
        expect(Buffer.from(frames[i]!.data).equals(Buffer.from(alone.data))).toBe(true);
      }
    } finally {
      await pool.close();
    }
  });

  it('gives the same large JPEG 2000 frame whether a worker decodes it whole or shares it with its band helper', async () => {
    const pool = new DicomDecodePool(2);
    try {
      const alone = await decodeDicomFrame(readDicomFile(SLOW), 0);
      // Asked for alone, so a core is free: the first request starts the worker's helper (and is
      // decoded whole meanwhile); once the helper is up, the lower half of the rows is its work.
      for (let round = 0; round < 3; round++) {
        const frame = await pool.frame({ path: dicomPath(SLOW) }, 0);
        expect(Buffer.from(frame.data).equals(Buffer.from(alone.data)), `round ${round}`).toBe(true);
        expect([frame.min, frame.max]).toEqual([alone.min, alone.max]);
        await new Promise((resolve) => setTimeout(resolve, 1500));
      }
    } finally {
      await pool.close();
    }
  });

  it('stops a file that takes too long, fails only that file, and goes on with the next on a fresh worker', async () => {
    const pool = new DicomDecodePool(1, 150);
    try {
      const slow = pool.frame({ path: dicomPath(SLOW) }, 0);
      const next = pool.frame({ path: dicomPath('pydicom_test_files/CT_small.dcm') }, 0);
      await expect(slow).rejects.toThrow(/took longer than 0.15 s and was stopped/);
      expect((await next).width).toBe(128);
    } finally {
      await pool.close();
    }
  });

  it('when small files share a message with one that hangs, fails only that one and decodes the rest on a fresh worker', async () => {
    const pool = new DicomDecodePool(1, 150);
    const small = ['pydicom_test_files/CT_small.dcm', 'pydicom_test_files/MR_small.dcm', 'pydicom_data/emri_small.dcm', 'pydicom_test_files/rtdose_1frame.dcm', 'pydicom_test_files/MR_small_expb.dcm'];
    try {
      // Asked together, the six go to the one worker in a few messages; the hanging file is the second of the first.
      const first = pool.frame({ path: dicomPath(small[0]!) }, 0);
      const slow = pool.frame({ path: dicomPath(SLOW) }, 0);
      const rest = small.slice(1).map((file) => pool.frame({ path: dicomPath(file) }, 0));
      const settled = await Promise.allSettled([first, slow, ...rest]);
      expect(settled[1]!.status === 'rejected' && String(settled[1]!.reason)).toMatch(/took longer than 0.15 s and was stopped/);
      for (const [i, file] of small.entries()) {
        const outcome = settled[i === 0 ? 0 : i + 1]!;
        expect(outcome.status, file).toBe('fulfilled');
        const alone = await decodeDicomFrame(readDicomFile(file), 0);
        expect(Buffer.from((outcome as PromiseFulfilledResult<Awaited<typeof slow>>).value.data).equals(Buffer.from(alone.data)), file).toBe(true);
      }
    } finally {
      await pool.close();
    }
  });

  it('drops a worker that never finishes loading, with a clear error, instead of waiting on it forever', async () => {
    // A worker script that stays alive without ever saying it is ready.
    const pool = new DicomDecodePool(1, 30_000, { limitMs: 200, entry: () => new URL('data:text/javascript,setInterval(() => {}, 1000)') });
    try {
      await expect(pool.frame({ path: dicomPath('pydicom_test_files/CT_small.dcm') }, 0)).rejects.toThrow(/the decoder did not start within 0.2 s/);
    } finally {
      await pool.close();
    }
  });

  it('refuses frames that do not exist, with the count, without failing the frames asked with them', async () => {
    const pool = new DicomDecodePool(1);
    try {
      const [good, bad] = await Promise.allSettled([pool.frame({ path: dicomPath(MULTI_FRAME) }, 9), pool.frame({ path: dicomPath(MULTI_FRAME) }, 10)]);
      expect(good.status).toBe('fulfilled');
      expect(bad.status === 'rejected' && String(bad.reason)).toMatch(/frame 11 does not exist \(the image has 10\)/);
    } finally {
      await pool.close();
    }
  });

  it('gives the right pixels while a worker reuses the buffers of files it let go, larger and smaller alike', async () => {
    const pool = new DicomDecodePool(1);
    const files = ['wg04/REF__CT1_UNC.dcm', 'pydicom_test_files/MR_small.dcm', 'pydicom_data/OBXXXX1A.dcm', 'pydicom_test_files/CT_small.dcm', 'wg04/REF__CT1_UNC.dcm', 'pydicom_test_files/rtdose_1frame.dcm'];
    try {
      for (const file of [...files, ...files.reverse()]) {
        const frame = await pool.frame({ path: dicomPath(file) }, 0);
        const alone = await decodeDicomFrame(readDicomFile(file), 0);
        expect([frame.width, frame.height, frame.min, frame.max]).toEqual([alone.width, alone.height, alone.min, alone.max]);
        expect(Buffer.from(frame.data).equals(Buffer.from(alone.data)), file).toBe(true);
      }
    } finally {
      await pool.close();
    }
  });

  it('rejects what is still being decoded when it is closed, instead of leaving callers waiting', async () => {
    const pool = new DicomDecodePool(1);
    const running = expect(pool.frame({ path: dicomPath(SLOW) }, 0)).rejects.toThrow(/shut down/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pool.close();
    await running;
  });
});
