import path from 'node:path';
import { stopChildren } from '../../support/dicom-tools';
import { writeVariants } from '../../support/dicom-variants';
import { tempDir } from '../../support/fixtures';
import { startOrthanc } from '../../support/orthanc';
import { requireSharedData } from '../../support/shared-data';
import { expect, test } from '../support/tiny-model-host';

test.afterEach(stopChildren);

test('Query archive: an archive set up on the DICOM node screen, studies found, names hidden in privacy mode, retrieved into the worklist', async ({ page, tinyModelHost }) => {
  test.setTimeout(240_000);
  const orthanc = await startOrthanc();
  await orthanc.upload(await writeVariants(path.join(requireSharedData('dicom'), 'wg04/J2KI__RG1_J2KI.dcm'), await tempDir('cxr-e2e-qr-'), 4, { studies: 2 }));
  await page.goto(tinyModelHost.url);
  await expect(page.getByTestId('worklist-count')).toHaveText(`${tinyModelHost.studies} studies`);

  // No archive yet: the dialog says where to add one.
  await page.getByTestId('worklist-query-archive').click();
  await expect(page.getByTestId('query-no-archive')).toContainText('No remote archive is configured');
  await page.keyboard.press('Escape');

  // The DICOM node screen: a bad URL is refused next to its field; then the right one tests and saves.
  await page.getByTestId('dicom-node-indicator').click();
  await page.getByTestId('archives-add').click();
  const row = page.getByTestId('archive-row').last();
  await row.getByTestId('archive-name').fill('Orthanc');
  await row.getByTestId('archive-kind').selectOption('dicomweb');
  await row.getByTestId('archive-url').fill('ftp://nowhere');
  await page.getByTestId('archives-save').click();
  await expect(row.getByTestId('archive-baseUrl-error')).toContainText('expected an http:// or https:// URL');
  await row.getByTestId('archive-url').fill(orthanc.dicomWeb);
  await row.getByTestId('archive-test').click();
  await expect(row.getByTestId('archive-test-result')).toHaveAttribute('data-ok', 'true');
  await page.getByTestId('archives-save').click();
  await expect(page.getByTestId('archives-save')).toBeDisabled();
  await page.getByTestId('archives-editor').screenshot({ path: path.resolve(import.meta.dirname, '../../../test-results/screenshots/remote-archives.png') });

  // Back to the worklist: query, see the patient, hide it, retrieve both studies.
  await page.getByTestId('nav-worklist').click();
  await page.getByTestId('worklist-query-archive').click();
  await page.getByTestId('query-from').fill('26/08/2004');
  await page.getByTestId('query-search').click();
  await expect(page.getByTestId('query-from-error')).toContainText('expected a date as YYYY-MM-DD');
  await page.getByTestId('query-from').fill('2004-08-26');
  await page.getByTestId('query-search').click();
  await expect(page.getByTestId('query-row')).toHaveCount(2);
  await expect(page.getByTestId('query-patient-id-cell').first()).toHaveText('9RG1');
  // Privacy mode (the top bar is behind the modal dialog): the same results, patient fields hidden.
  await page.keyboard.press('Escape');
  await page.getByTestId('privacy-toggle').click();
  await page.getByTestId('worklist-query-archive').click();
  await expect(page.getByTestId('query-patient-id-cell').first()).toHaveText('hidden');
  await expect(page.getByTestId('query-patient-name-cell').first()).toHaveText('hidden');
  await page.getByTestId('query-retrieve').click();
  await expect(page.getByTestId('retrieve-progress')).toHaveAttribute('data-finished', 'true', { timeout: 120_000 });
  await expect(page.getByTestId('retrieve-study')).toHaveCount(2);
  for (const study of await page.getByTestId('retrieve-study').all()) await expect(study).toHaveAttribute('data-state', 'done');
  await page.screenshot({ path: path.resolve(import.meta.dirname, '../../../test-results/screenshots/query-archive.png') });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('worklist-count')).toHaveText(`${tinyModelHost.studies + 2} studies`, { timeout: 60_000 });
});
