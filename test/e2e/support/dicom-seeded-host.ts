import { copyFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openAppServices } from '../../../src-main/services/app/app-services';
import { requireSharedData } from '../../support/shared-data';
import { seedPredictions } from '../../support/seed-predictions';
import { test as base } from './browser-host';
import { startBrowserHost, type HostFixture } from './browser-host';

/** The adult chest CR is outside the fixture's population (children of 1–5), as a real version for the pediatric set would say. */
export const CR_REASON = 'age 86 years (trained on 1–5 years)';

/** A 14 x 14 map like a real version's Grad-CAM (the last feature map for a 224 input): two soft peaks over the lower zones. */
function gradCamLikeMap(): Promise<Buffer> {
  const size = 14;
  const pixels = Buffer.alloc(size * size);
  const blob = (x: number, y: number, cx: number, cy: number, r: number) => Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) pixels[y * size + x] = Math.round(255 * Math.max(blob(x, y, 4, 9, 2), 0.7 * blob(x, y, 10, 8.5, 1.6)));
  }
  return sharp(pixels, { raw: { width: size, height: size, channels: 1 } }).png().toBuffer();
}

/**
 * A data folder with the real chest CR (RG1, JPEG 2000, MONOCHROME1) and an RT plan imported, and
 * fixture predictions: the CR scored with a 14 x 14 heatmap and marked outside the population,
 * the RT plan not applicable.
 */
async function seedDicomDataDir(): Promise<string> {
  const source = await mkdtemp(path.join(os.tmpdir(), 'cxr-e2e-dicom-source-'));
  await copyFile(path.join(requireSharedData('dicom'), 'pydicom_data/RG1_J2KI.dcm'), path.join(source, 'RG1_J2KI.dcm'));
  await copyFile(path.join(requireSharedData('dicom'), 'pydicom_test_files/rtplan.dcm'), path.join(source, 'rtplan.dcm'));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cxr-e2e-dicom-seed-'));
  const services = openAppServices(dir);
  try {
    const finished = await services.jobs.waitFor(await services.importer.start(source));
    if (finished.status !== 'completed') throw new Error(`seeding import ${finished.status}: ${finished.error}`);
    await seedPredictions(services, {
      heatmaps: true,
      verdictOf: (row) => (row.modality === 'CR' ? { verdict: 'outside_population', reason: CR_REASON } : null),
    });
    // The fixture's heatmap is a 32 x 32 blob; a real version now stores its 14 x 14 map, and only the test may swap it in.
    services.db.prepare('UPDATE predictions SET heatmap = ? WHERE heatmap IS NOT NULL').run(await gradCamLikeMap());
  } finally {
    await services.close();
  }
  return dir;
}

export const test = base.extend<{ dicomSeeded: HostFixture }>({
  dicomSeeded: async ({}, use) => {
    const host = await startBrowserHost(await seedDicomDataDir());
    await use(host);
    await host.stop();
  },
});

export { expect } from './browser-host';
