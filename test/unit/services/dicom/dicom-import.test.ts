import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openAppServices, type AppServices } from '../../../../src-main/services/app/app-services';
import type { ImportReport } from '@shared/ipc/contract';
import { renderForModel } from '../../../../src-main/services/imaging/dicom/dicom-image';
import { dicomPath, readDicomFile } from '../../../support/dicom';
import { tempDir } from '../../../support/fixtures';

let services: AppServices | null = null;
afterEach(async () => {
  await services?.close();
  services = null;
});

async function importFolder(s: AppServices, folder: string): Promise<ImportReport> {
  const finished = new Promise<ImportReport>((resolve) => {
    const off = s.jobs.onEvent((event) => {
      if (event.name === 'job.finished' && event.payload.importReport) {
        off();
        resolve(event.payload.importReport);
      }
    });
  });
  await s.importer.start(folder);
  return finished;
}

async function folderWith(files: Record<string, string | Buffer>): Promise<string> {
  const root = await tempDir('cxr-dicom-');
  for (const [name, source] of Object.entries(files)) {
    const target = path.join(root, name);
    await mkdir(path.dirname(target), { recursive: true });
    if (typeof source === 'string') await copyFile(dicomPath(source), target);
    else await writeFile(target, source);
  }
  return root;
}

describe('DICOM import', () => {
  it('lists every broken file with a specific reason and imports the rest', async () => {
    const random = Object.fromEntries(
      Array.from({ length: 1000 }, (_, i) => [`random/${i}.bin`, Buffer.from(Array.from({ length: 64 + (i % 300) }, (_, k) => (i * 7919 + k * 104729) % 256))]),
    );
    const folder = await folderWith({
      'MR_truncated.dcm': 'pydicom_test_files/MR_truncated.dcm',
      'rtplan_truncated.dcm': 'pydicom_test_files/rtplan_truncated.dcm',
      'badVR.dcm': 'pydicom_test_files/badVR.dcm',
      'emri_too_short.dcm': 'pydicom_data/emri_small_jpeg_2k_lossless_too_short.dcm',
      'meta_missing_tsyntax.dcm': 'pydicom_test_files/meta_missing_tsyntax.dcm',
      'empty.dcm': Buffer.alloc(0),
      'too_short.dcm': readDicomFile('pydicom_data/RG1_J2KI.dcm').subarray(0, 2000),
      'notes.txt': Buffer.from('not dicom at all'),
      'no_meta.dcm': 'pydicom_test_files/no_meta.dcm',
      'nested_priv_SQ.dcm': 'pydicom_test_files/nested_priv_SQ.dcm',
      'good/CT_small.dcm': 'pydicom_test_files/CT_small.dcm',
      // no_meta.dcm without its first byte: a clean raw data set of the same CT (same SOP Instance UID).
      'good/no_meta_repaired.dcm': readDicomFile('pydicom_test_files/no_meta.dcm').subarray(1),
      ...random,
    });
    services = openAppServices(await tempDir());
    const report = await importFolder(services, folder);
    const reason = (file: string) => report.rejectedFiles.find((r) => r.path === file)?.reason;
    expect(reason('MR_truncated.dcm')).toMatch(/truncated/);
    expect(reason('rtplan_truncated.dcm')).toMatch(/truncated/);
    expect(reason('badVR.dcm')).toMatch(/Number of Frames \(0028,0008\) is not a positive whole number: "1A"/);
    expect(reason('meta_missing_tsyntax.dcm')).toMatch(/no Transfer Syntax UID \(0002,0010\)/);
    expect(reason('empty.dcm')).toBe('empty file');
    expect(reason('too_short.dcm')).toMatch(/truncated/);
    expect(reason('emri_too_short.dcm')).toMatch(/truncated: the compressed pixel data ends without its closing sequence delimiter/);
    expect(reason('notes.txt')).toBe('not a PNG, JPEG or DICOM file');
    expect(reason('no_meta.dcm')).toMatch(/starts with 1 stray byte before its data set/);
    expect(reason('nested_priv_SQ.dcm')).toMatch(/starts with an element of group 0001, which DICOM does not allow/);
    expect(report.rejectedFiles.filter((r) => r.path.startsWith('random/') && r.reason === 'not a PNG, JPEG or DICOM file')).toHaveLength(1000);
    expect(reason('good/no_meta_repaired.dcm')).toBeUndefined();
    expect([report.added, report.skipped]).toEqual([1, 1]);
    expect(report.status).toBe('completed');
  });

  it('stores the DICOM metadata, groups images by Study Instance UID, and adds nothing on re-import of the same SOP instances', async () => {
    const folder = await folderWith({
      'a/MR_small.dcm': 'pydicom_test_files/MR_small.dcm',
      // Same SOP Instance UID in another encoding: the same image, so it is not added twice.
      'b/MR_small_RLE.dcm': 'pydicom_test_files/MR_small_RLE.dcm',
      'c/CR1.dcm': 'pydicom_test_files/dicomdirtests_CR/CR1_6154.dcm',
      'c/CR2.dcm': 'pydicom_test_files/dicomdirtests_CR/CR2_6247.dcm',
    });
    services = openAppServices(await tempDir());
    const first = await importFolder(services, folder);
    expect(first.added).toBe(3);
    expect(first.skipped).toBe(1);
    const again = await importFolder(services, folder);
    expect([again.added, again.skipped, again.rejected]).toEqual([0, 4, 0]);

    const rows = services.studies.list({ limit: 10, offset: 0 }).rows;
    const mr = services.studies.get(rows.find((r) => r.modality === 'MR')!.id)!;
    expect(mr.patientName).toBe('CompressedSamples MR1');
    expect(mr.patientId).toBe('4MR1');
    // Whichever of the two encodings finished first was kept.
    expect(['1.2.840.10008.1.2.1', '1.2.840.10008.1.2.5']).toContain(mr.images[0]!.dicom?.transferSyntaxUid);
    expect(mr.images[0]!.dicom).toMatchObject({ frameCount: 1, hasPixels: true, photometric: 'MONOCHROME2' });
    const cr = rows.find((r) => r.modality === 'CR')!;
    expect(cr.imageCount).toBe(2);
    expect(rows).toHaveLength(2);
    expect(mr.dicom?.studyUid).toMatch(/^1\.3\.6\.1\.4\.1\.5962/);
    expect(mr.status).toBe('not_applicable');
    expect(mr.statusReason).toMatch(/modality MR is not a radiograph/);
  });

  it('imports objects without images and other modalities as not applicable, with the reason', async () => {
    const folder = await folderWith({
      'rtplan.dcm': 'pydicom_test_files/rtplan.dcm',
      'sr.dcm': 'pydicom_test_files/test-SR.dcm',
      'rg1.dcm': 'pydicom_data/RG1_J2KI.dcm',
    });
    services = openAppServices(await tempDir());
    const report = await importFolder(services, folder);
    expect(report.added).toBe(3);
    const studies = services.studies.list({ limit: 10, offset: 0 }).rows.map((r) => services!.studies.get(r.id)!);
    const byFile = (name: string) => studies.find((s) => s.images.some((i) => i.fileName === name))!;
    expect(byFile('rtplan.dcm').statusReason).toBe('RT plan with no image: nothing for the pneumonia model to read');
    expect(byFile('sr.dcm').statusReason).toMatch(/structured report with no image/);
    expect(byFile('rg1.dcm').status).toBe('new');
    expect(byFile('rg1.dcm').images[0]).toMatchObject({ width: 1841, height: 1955 });
  });

  it('renders model input: first frame, file window, MONOCHROME1 inverted, 8-bit grey', async () => {
    const image = await renderForModel(readDicomFile('wg04/REF__RG3_UNC.dcm'));
    expect([image.width, image.height, image.channels]).toEqual([1760, 1760, 1]);
    // Recompute one pixel by hand from the stored value: window 550/1024, then inverted.
    const values = await import('../../../support/dicom').then((m) => m.decodeValues('wg04/REF__RG3_UNC.dcm'));
    for (const i of [0, 880 * 1760 + 880, 1760 * 1760 - 1]) {
      const v = values.values[i]!;
      const lin = Math.min(255, Math.max(0, ((v - 549.5) / 1023 + 0.5) * 255));
      expect(Math.abs(image.data[i]! - (255 - lin))).toBeLessThanOrEqual(1);
    }
  });
});
