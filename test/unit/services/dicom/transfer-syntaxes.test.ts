import { describe, expect, it } from 'vitest';
import { decodeValues, difference, range } from '../../../support/dicom';

/** WG04 holds the same images in every syntax, with an uncompressed reference (REF). */
const LOSSLESS = ['RLE', 'JLSL', 'J2KR', 'JPLL'] as const;
const IMAGES = ['CT1', 'RG2', 'RG3'] as const;

describe('transfer syntaxes against the uncompressed reference (wg04)', () => {
  for (const image of IMAGES) {
    for (const syntax of LOSSLESS) {
      it(`${syntax} ${image} decodes to exactly the reference values`, async () => {
        const ref = await decodeValues(`wg04/REF__${image}_UNC.dcm`);
        const got = await decodeValues(`wg04/${syntax}__${image}_${syntax}.dcm`);
        expect([got.frame.width, got.frame.height]).toEqual([ref.frame.width, ref.frame.height]);
        expect(difference(got.values, ref.values)).toEqual({ max: 0, mean: 0 });
      });
    }

    // JPEG-LS near-lossless guarantees |error| <= NEAR; WG04 encoded these with NEAR = 4.
    it(`JPEG-LS near-lossless ${image} stays within the near-lossless bound of 4`, async () => {
      const ref = await decodeValues(`wg04/REF__${image}_UNC.dcm`);
      const got = await decodeValues(`wg04/JLSN__${image}_JLSN.dcm`);
      const diff = difference(got.values, ref.values);
      expect(diff.max).toBeLessThanOrEqual(4);
      expect(diff.max).toBeGreaterThan(0);
    });

    // Lossy JPEG 2000: mean error under 1% of the image's value range, worst pixel under 15%.
    it(`JPEG 2000 lossy ${image} is within 1% mean / 15% max of the value range`, async () => {
      const ref = await decodeValues(`wg04/REF__${image}_UNC.dcm`);
      const got = await decodeValues(`wg04/J2KI__${image}_J2KI.dcm`);
      const diff = difference(got.values, ref.values);
      const span = range(ref.values);
      expect(diff.mean).toBeLessThan(0.01 * span);
      expect(diff.max).toBeLessThan(0.15 * span);
    });
  }

  // 12-bit JPEG Extended (process 4) of 10-bit radiographs: the same bounds as lossy JPEG 2000.
  for (const image of ['RG2', 'RG3'] as const) {
    it(`JPEG Extended 12-bit ${image} is within 1% mean / 15% max of the value range`, async () => {
      const ref = await decodeValues(`wg04/REF__${image}_UNC.dcm`);
      const got = await decodeValues(`wg04/JPLY__${image}_JPLY.dcm`);
      expect([got.frame.width, got.frame.height]).toEqual([ref.frame.width, ref.frame.height]);
      const diff = difference(got.values, ref.values);
      const span = range(ref.values);
      expect(diff.mean).toBeLessThan(0.01 * span);
      expect(diff.max).toBeLessThan(0.15 * span);
      expect(diff.max).toBeGreaterThan(0);
    });
  }

  it('JPEG Extended 12-bit matches the pixel values pydicom checks (decoded there by pylibjpeg and GDCM)', async () => {
    // JPEG-lossy.dcm has an invalid scan end in its SOS marker; JPGExtended.dcm is the fixed copy.
    for (const file of ['JPGExtended.dcm', 'JPEG-lossy.dcm']) {
      const { frame, values } = await decodeValues(`pydicom_test_files/${file}`);
      expect([frame.width, frame.height], file).toEqual([256, 1024]);
      expect([values[420 * 256 + 140], values[230 * 256 + 120]], file).toEqual([244, 95]);
    }
  });

  it('JPEG Extended 12-bit multi-frame: both frames follow the uncompressed ones up to the constant offset its transcoder added', async () => {
    for (const frame of [0, 1]) {
      const ref = await decodeValues('dicomParser/encapsulated__multi-frame__CT0012.explicit_little_endian.dcm', frame);
      const got = await decodeValues('dicomParser/encapsulated__multi-frame__CT0012.fragmented_no_bot_jpeg_baseline.51.dcm', frame);
      const offset = got.values.reduce((sum, v, i) => sum + v - ref.values[i]!, 0) / ref.values.length;
      const diff = difference(got.values.map((v) => v - offset), ref.values);
      expect(Math.abs(offset - 1024)).toBeLessThan(4);
      expect(diff.mean).toBeLessThan(0.01 * range(ref.values));
      expect(diff.max).toBeLessThan(0.15 * range(ref.values));
    }
  });

  it.each([
    ['implicit little endian', 'dicomParser/CT1_UNC.implicit_little_endian.dcm'],
    ['explicit big endian', 'dicomParser/CT1_UNC.explicit_big_endian.dcm'],
    ['JPEG-LS, fragmented, no offset table', 'dicomParser/encapsulated__single-frame__CT1_UNC.fragmented_no_bot_jpeg_ls.80.dcm'],
    ['JPEG-LS, offset table', 'dicomParser/encapsulated__single-frame__CT1_UNC.not_fragmented_bot_jpeg_ls.80.dcm'],
  ])('%s reads the same CT values as explicit little endian', async (_name, file) => {
    const ref = await decodeValues('dicomParser/CT1_UNC.explicit_little_endian.dcm');
    const got = await decodeValues(file);
    expect(difference(got.values, ref.values).max).toBe(0);
    // Signed data with rescale intercept -1024: air reads about -1000 HU.
    expect(ref.frame.min).toBeLessThan(-900);
  });

  it.each([
    ['JPEG Lossless process 14', 'dicomParser/encapsulated__multi-frame__CT0012.fragmented_no_bot_jpeg_lossless.57.dcm'],
    ['JPEG Lossless SV1', 'dicomParser/encapsulated__multi-frame__CT0012.fragmented_no_bot_jpeg_lossless.70.dcm'],
    ['JPEG-LS lossless', 'dicomParser/encapsulated__multi-frame__CT0012.fragmented_no_bot_jpeg_ls.80.dcm'],
    ['RLE', 'dicomParser/encapsulated__multi-frame__CT0012.not_fragmented_bot_rle.dcm'],
  ])('%s multi-frame: both frames equal the uncompressed ones', async (_name, file) => {
    for (const frame of [0, 1]) {
      const ref = await decodeValues('dicomParser/encapsulated__multi-frame__CT0012.explicit_little_endian.dcm', frame);
      const got = await decodeValues(file, frame);
      expect(difference(got.values, ref.values).max).toBe(0);
    }
  });

  it('MR in implicit, big endian, RLE, JPEG 2000 and JPEG-LS all equal explicit little endian', async () => {
    const ref = await decodeValues('pydicom_test_files/MR_small.dcm');
    for (const file of ['MR_small_implicit.dcm', 'MR_small_bigendian.dcm', 'MR_small_RLE.dcm', 'MR_small_jp2klossless.dcm', 'MR_small_jpeg_ls_lossless.dcm']) {
      const got = await decodeValues(`pydicom_test_files/${file}`);
      expect(difference(got.values, ref.values).max, file).toBe(0);
    }
  });

  it('deflated data set, deflated image frames and 1-bit RLE segmentations equal their plain versions', async () => {
    const pairs = [
      ['pydicom_data/liver_deflate.dcm', 'pydicom_data/liver.dcm'],
      ['pydicom_data/liver_nonbyte_aligned_rle.dcm', 'pydicom_data/liver_nonbyte_aligned.dcm'],
      ['pydicom_data/liver_nonbyte_aligned_deflate.dcm', 'pydicom_data/liver_nonbyte_aligned.dcm'],
    ];
    for (const [file, reference] of pairs) {
      for (const frame of [0, 2]) {
        const got = await decodeValues(file!, frame);
        const ref = await decodeValues(reference!, frame);
        expect(difference(got.values, ref.values).max, `${file} frame ${frame}`).toBe(0);
      }
    }
    const deflated = await decodeValues('pydicom_test_files/image_dfl.dcm');
    expect(deflated.frame.width).toBe(512);
    expect(range(deflated.values)).toBeGreaterThan(100);
  });

  it('HTJ2K lossless and lossy decode the same picture, the lossy one within a small error', async () => {
    const lossless = await decodeValues('pydicom_data/HTJ2KLossless_08_RGB.dcm');
    const lossy = await decodeValues('pydicom_data/HTJ2K_08_RGB.dcm');
    expect(lossless.frame.dtype).toBe('rgb8');
    expect(range(lossless.values)).toBeGreaterThan(200);
    expect(difference(lossy.values, lossless.values).mean).toBeLessThan(3);
  });

  it('JPEG 2000 colour (YBR_RCT) equals the uncompressed RGB', async () => {
    const ref = await decodeValues('pydicom_data/US1_UNCR.dcm');
    expect(difference((await decodeValues('pydicom_data/US1_J2KR.dcm')).values, ref.values).max).toBe(0);
    expect(difference((await decodeValues('pydicom_data/US1_J2KI.dcm')).values, ref.values).mean).toBeLessThan(3);
  });

  it('JPEG baseline colour decodes close to the uncompressed RGB, JPEG lossless exactly', async () => {
    const ref = await decodeValues('pydicom_data/SC_rgb.dcm');
    expect(difference((await decodeValues('pydicom_test_files/SC_rgb_jpeg_gdcm.dcm')).values, ref.values).max).toBe(0);
    for (const file of ['SC_rgb_dcmtk_+eb+cy+n1.dcm', 'SC_rgb_dcmtk_+eb+cy+s2.dcm', 'SC_rgb_jpeg_dcmtk.dcm']) {
      expect(difference((await decodeValues(`pydicom_test_files/${file}`)).values, ref.values).mean, file).toBeLessThan(4);
    }
  });

  it('reads raw data sets that have no file meta information', async () => {
    const ref = await decodeValues('pydicom_data/OT-PAL-8-face.dcm');
    expect([ref.frame.width, ref.frame.height, ref.frame.dtype, ref.frame.palette?.length]).toEqual([640, 480, 'palette8', 256 * 3]);
  });
});
