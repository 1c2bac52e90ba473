import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { expect, test } from '../support/browser-host';
import { chestXrayTestSplit } from '../support/chest-xray';
import { requireSharedData } from '../../support/shared-data';

const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../test-results/screenshots');

test('first run: import the real test split, see it in the worklist, open a study in the viewer', async ({ page, host }) => {
  const split = chestXrayTestSplit();
  await page.goto(host.url);

  await expect(page.getByTestId('first-run')).toBeVisible();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'first-run.png') });
  await page.getByTestId('import-path').fill(split.folder);
  await page.getByTestId('import-start').click();

  const summary = page.getByTestId('import-summary');
  await expect(summary).toBeVisible();
  await expect(summary).toContainText(/completed/i);
  await expect(page.getByTestId('import-added')).toHaveText(`${split.normal.length + split.pneumonia.length}`);
  await expect(page.getByTestId('import-rejected')).toHaveText('0');

  // The list is virtualised (only rows near the screen exist), so the total is read from its summary.
  const rows = page.getByTestId('worklist-row');
  const total = split.normal.length + split.pneumonia.length;
  await expect(page.getByTestId('worklist-count')).toHaveText(`${total} studies`);
  await expect(page.getByTestId('worklist').locator('[data-col="status"]', { hasText: /flagged/i })).toHaveCount(0);

  // A specific study, found by search: the patient is read from the Kaggle file name.
  const fileName = split.pneumonia[0]!;
  const patient = /^(person\d+)_/.exec(fileName)?.[1] ?? '';
  await page.getByTestId('worklist-search').fill(fileName);
  const row = rows.filter({ hasText: fileName });
  await expect(row).toHaveCount(1);
  await expect(rows).toHaveCount(1);
  await expect(row.locator('[data-col="patient"]')).toContainText(patient);
  await expect(row.locator('[data-col="label"]')).toContainText(/pneumonia/i);
  await expect(row.locator('[data-col="status"]')).toHaveText(/new/i);
  // Thumbnails load as rows scroll into view.
  await row.scrollIntoViewIfNeeded();
  await expect(row.locator('img')).toHaveJSProperty('complete', true);
  expect(await row.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await page.getByTestId('import-dismiss').click();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'worklist-unscored.png') });

  await row.click();
  const viewer = page.getByTestId('viewer');
  await expect(viewer).toBeVisible();
  await expect(page.getByTestId('viewer-info')).toContainText(fileName);
  await expect(page.getByTestId('viewer-info')).toContainText(/pneumonia/i);
  const expected = await sharp(await readFile(path.join(split.folder, 'PNEUMONIA', fileName))).metadata();
  const image = page.getByTestId('viewer-image');
  await expect
    .poll(() => image.evaluate((el) => (el instanceof HTMLImageElement ? el.naturalWidth : (el as HTMLCanvasElement).width)))
    .toBe(expected.width);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'viewer.png') });

  // Window/level by dragging: raising the level (drag down) darkens the image; "Full range" restores it.
  const stage = page.getByTestId('viewer-image');
  const meanBrightness = async () => (await sharp(await stage.screenshot()).greyscale().stats()).channels[0]!.mean;
  const before = await meanBrightness();
  await expect(page.getByTestId('viewer-window')).toHaveText('C 128 / W 255');
  const box = (await stage.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 60, box.y + box.height / 2 + 120, { steps: 6 });
  await page.mouse.up();
  await expect(page.getByTestId('viewer-window')).toHaveText('C 188 / W 225');
  expect(await meanBrightness()).toBeLessThan(before - 20);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'viewer-windowed.png') });
  await page.getByTestId('viewer-window-reset').click();
  await expect(page.getByTestId('viewer-window')).toHaveText('C 128 / W 255');
  expect(Math.abs((await meanBrightness()) - before)).toBeLessThan(2);

  await page.getByTestId('viewer-back').click();
  await expect(page.getByTestId('worklist')).toBeVisible();
  await page.getByTestId('filter-clear').click();
  await expect(page.getByTestId('worklist-count')).toHaveText(`${total} studies`);
});

test('bad files are listed with their reasons; importing the same folder again adds nothing', async ({ page, host }) => {
  const normal = requireSharedData('chest_xray/val/NORMAL');
  const folder = await mkdtemp(path.join(os.tmpdir(), 'cxr-e2e-src-'));
  const [first, second] = (await import('node:fs')).readdirSync(normal).sort();
  await copyFile(path.join(normal, first!), path.join(folder, first!));
  await copyFile(path.join(normal, second!), path.join(folder, second!));
  const bytes = await readFile(path.join(normal, first!));
  await writeFile(path.join(folder, 'cut-off.jpeg'), bytes.subarray(0, 4000));
  await writeFile(path.join(folder, 'readme.txt'), 'not an x-ray');

  await page.goto(host.url);
  await page.getByTestId('import-path').fill(folder);
  await page.getByTestId('import-start').click();
  const summary = page.getByTestId('import-summary');
  await expect(summary).toContainText(/completed/i);
  await expect(page.getByTestId('import-added')).toHaveText('2');
  await expect(page.getByTestId('import-rejected')).toHaveText('2');
  const rejected = page.getByTestId('rejected-file');
  await expect(rejected).toHaveCount(2);
  await expect(rejected.filter({ hasText: 'cut-off.jpeg' })).toContainText(/truncated/i);
  await expect(rejected.filter({ hasText: 'readme.txt' })).toContainText(/not a PNG, JPEG or DICOM/i);
  await expect(page.getByTestId('worklist-row')).toHaveCount(2);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'import-rejected.png') });

  await page.getByTestId('open-import').click();
  await page.getByTestId('import-path').fill(folder);
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-added')).toHaveText('0');
  await expect(page.getByTestId('import-skipped')).toHaveText('2');
  await expect(page.getByTestId('worklist-row')).toHaveCount(2);
});

test('an import can be cancelled and keeps what it had imported', async ({ page, host }) => {
  await page.goto(host.url);
  await page.getByTestId('import-path').fill(requireSharedData('chest_xray'));
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-progress')).toBeVisible();
  await page.getByTestId('import-cancel').click();
  const summary = page.getByTestId('import-summary');
  await expect(summary).toContainText(/cancelled/i);
  const shown = await page.getByTestId('worklist-row').count();
  expect(shown).toBeLessThan(685);
  const total = Number((await page.getByTestId('study-count').textContent())?.replace(/\D/g, ''));
  expect(total).toBeLessThan(685);
});

test('a folder that does not exist gets a clear message and nothing starts', async ({ page, host }) => {
  await page.goto(host.url);
  await page.getByTestId('import-path').fill('/no/such/folder');
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-error')).toContainText(/does not exist/);
  await expect(page.getByTestId('import-progress')).toHaveCount(0);
  await expect(page.getByTestId('first-run')).toBeVisible();
});

test('a page opened without the launch token cannot reach the data', async ({ browser, host }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(host.url.split('#')[0]!);
  await expect(page.getByText(/access token/i)).toBeVisible();
  await expect(page.getByTestId('worklist-row')).toHaveCount(0);
  await context.close();
});
