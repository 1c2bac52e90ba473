import { afterAll, describe, expect, it } from 'vitest';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { requireSharedData } from '../../support/shared-data';
import { tempDir } from '../../support/fixtures';

let services: AppServices;
afterAll(async () => services?.close());

describe('import of the real chest X-ray folder', () => {
  it('imports all 685 images with the labels and splits of the Kaggle layout', async () => {
    const folder = requireSharedData('chest_xray');
    services = openAppServices(await tempDir('cxr-real-'));
    const finished = await services.jobs.waitFor(await services.importer.start(folder));
    expect(finished.importReport).toMatchObject({ status: 'completed', added: 685, rejected: 0 });

    const counts = services.db
      .prepare(
        `SELECT i.dataset_split AS split, s.label, COUNT(*) AS n FROM studies s JOIN images i ON i.study_id = s.id
         GROUP BY i.dataset_split, s.label ORDER BY split, s.label`,
      )
      .all();
    // The folder's README: train 211 N / 297 P, val 29 N / 44 P, test 43 N / 61 P.
    expect(counts).toEqual([
      { split: 'test', label: 'normal', n: 43 },
      { split: 'test', label: 'pneumonia', n: 61 },
      { split: 'train', label: 'normal', n: 211 },
      { split: 'train', label: 'pneumonia', n: 297 },
      { split: 'val', label: 'normal', n: 29 },
      { split: 'val', label: 'pneumonia', n: 44 },
    ]);
    const withoutPatient = services.db.prepare('SELECT COUNT(*) FROM studies WHERE patient_id IS NULL').pluck().get();
    expect(withoutPatient).toBe(0);
  });
});
