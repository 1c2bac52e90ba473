import { describe, expect, it } from 'vitest';
import { decodeCompressed } from '../../../../src-main/services/imaging/dicom/codecs';
import { openDicomImage } from '../../../../src-main/services/imaging/dicom/dicom-image';
import { encapsulatedFrame, pixelDataElement } from '../../../../src-main/services/imaging/dicom/frame-bytes';
import { transferSyntax } from '../../../../src-main/services/imaging/dicom/transfer-syntaxes';
import { readDicomFile } from '../../../support/dicom';

/**
 * A DICOM frame whose codestream header claims a huge image (what a hostile sender could store) is
 * refused with both sizes named before any codec allocates for it; the true header decodes.
 */
function frameOf(file: string) {
  const image = openDicomImage(readDicomFile(file));
  const data = encapsulatedFrame(image.parsed.dataSet, pixelDataElement(image.parsed.dataSet)!, image.module, 0).slice();
  const context = { bitsAllocated: image.module.bitsAllocated, photometric: image.module.photometric, width: image.module.columns, height: image.module.rows };
  return { data, context, encoding: transferSyntax(image.parsed.transferSyntaxUid)!.encoding };
}

/** Writes 60000 × 60000 into a JPEG or JPEG-LS start-of-frame marker. */
function forgeJpeg(data: Uint8Array): Uint8Array {
  const sof = data.findIndex((b, i) => b === 0xff && ((data[i + 1]! >= 0xc0 && data[i + 1]! <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(data[i + 1]!)) || data[i + 1] === 0xf7));
  data.set([0xea, 0x60, 0xea, 0x60], sof + 5);
  return data;
}

/** Writes 60000 × 60000 into a JPEG 2000 codestream's SIZ marker. */
function forgeSiz(data: Uint8Array): Uint8Array {
  const view = new DataView(data.buffer, data.byteOffset);
  view.setUint32(8, 60000 + view.getUint32(16));
  view.setUint32(12, 60000 + view.getUint32(20));
  return data;
}

describe('a forged codestream size', () => {
  it.each([
    ['JPEG Lossless', 'pydicom_data/JPGLosslessP14SV1_1s_1f_8b.dcm', forgeJpeg],
    ['JPEG-LS', 'pydicom_data/JLSL_RGB_ILV1.dcm', forgeJpeg],
    ['JPEG', 'pydicom_test_files/JPEG-lossy.dcm', forgeJpeg],
    ['JPEG', 'pydicom_test_files/SC_rgb_dcmtk_+eb+cy+n1.dcm', forgeJpeg],
    ['HTJ2K', 'pydicom_data/HTJ2KLossless_08_RGB.dcm', forgeSiz],
    ['JPEG 2000', 'wg04/J2KR__CT1_J2KR.dcm', forgeSiz],
  ] as const)('%s (%s) is refused before decoding, naming both sizes', async (_name, file, forge) => {
    const { data, context, encoding } = frameOf(file);
    const decoded = await decodeCompressed(encoding, data, context);
    expect([decoded.width, decoded.height]).toEqual([context.width, context.height]);
    const refusal = decodeCompressed(encoding, forge(data), context);
    await expect(refusal).rejects.toThrow(new RegExp(`frame is 60000 × 60000 but the DICOM header says ${context.width} × ${context.height}`));
  });
});
