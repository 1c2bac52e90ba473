import { copyFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '../support/browser-host';
import { CHEST_XRAY, requireSharedData } from '../../support/shared-data';

const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../test-results/screenshots');
const JPEGS = ['IM-0133-0001.jpeg', 'IM-0216-0001.jpeg'];

/** A folder with the chest CR, two JPEG chest X-rays, a structured report and an RT plan (neither has pixels for the model). */
async function readingFolder(): Promise<string> {
  const dicom = requireSharedData('dicom');
  const folder = await mkdtemp(path.join(os.tmpdir(), 'cxr-e2e-reading-'));
  await copyFile(path.join(dicom, 'pydicom_data/RG1_J2KI.dcm'), path.join(folder, 'RG1_J2KI.dcm'));
  await copyFile(path.join(dicom, 'pydicom_test_files/test-SR.dcm'), path.join(folder, 'test-SR.dcm'));
  await copyFile(path.join(dicom, 'pydicom_test_files/rtplan.dcm'), path.join(folder, 'rtplan.dcm'));
  for (const file of JPEGS) await copyFile(path.join(CHEST_XRAY, 'test/NORMAL', file), path.join(folder, file));
  return folder;
}

test('viewer: corner overlays hidden by privacy mode, a wide tag drawer with dictionary names, a structured report said plainly, reading on past not-applicable studies', async ({
  page,
  host,
}) => {
  await page.setViewportSize({ width: 1600, height: 900 });
  await page.goto(host.url);
  await page.getByTestId('import-path').fill(await readingFolder());
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-summary')).toContainText(/completed/i);
  await expect(page.getByTestId('import-added')).toHaveText('5');
  await page.getByTestId('import-dismiss').click();
  const rows = page.getByTestId('worklist-row');
  const viewer = page.getByTestId('viewer');

  // The chest CR: patient, age/sex, date, view, the side markers from Patient Orientation (L\F), window and zoom.
  await rows.filter({ hasText: 'RG1_J2KI.dcm' }).click();
  await expect(page.getByTestId('viewer-canvas')).toHaveAttribute('data-painted', 'true');
  await expect(page.getByTestId('overlay-top-left')).toContainText('ID 9RG1');
  await expect(page.getByTestId('overlay-bottom-left')).toHaveText('W 30000  L 15000');
  await expect(page.getByTestId('overlay-bottom-right')).toHaveText(/Zoom \d+%/);
  await expect(page.getByTestId('marker-right')).toHaveText('L');
  await expect(page.getByTestId('marker-left')).toHaveText('R');
  await expect(page.getByTestId('marker-bottom')).toHaveText('F');
  await page.getByTestId('viewer-zoom-in').click();
  await expect(page.getByTestId('overlay-bottom-right')).toHaveText(`Zoom ${(await page.getByTestId('viewer-zoom-level').textContent())!.trim()}`);
  await page.getByTestId('viewer-fit').click();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'viewer-overlays-1600.png') });

  await page.getByTestId('privacy-toggle').click();
  const corners = page.getByTestId('viewer-overlay');
  await expect(page.getByTestId('overlay-top-left')).toContainText('Study ');
  await expect(corners).not.toContainText('9RG1');
  await expect(corners).not.toContainText('CompressedSamples');
  await expect(page.getByTestId('overlay-bottom-left')).toHaveText('W 30000  L 15000');
  await page.getByTestId('privacy-toggle').click();
  await expect(page.getByTestId('overlay-top-left')).toContainText('ID 9RG1');

  // The tag drawer: most of the window wide, standard names from the dictionary, no delimiters, a filter.
  await page.getByTestId('viewer-tags').click();
  const panel = page.getByTestId('tag-panel');
  await expect(panel).toBeVisible();
  expect((await panel.boundingBox())!.width).toBeGreaterThan(900);
  await expect(page.locator('[data-testid="tag-row"][data-tag="(0008,0014)"] td.name')).toHaveText('Instance Creator UID');
  await expect(page.getByTestId('tag-row').filter({ hasText: 'Unknown' })).toHaveCount(0);
  await expect(page.locator('[data-testid="tag-row"][data-tag^="(FFFE"]')).toHaveCount(0);
  await page.getByTestId('tag-search').fill('orientation');
  await expect(page.locator('[data-testid="tag-row"][data-tag="(0020,0020)"] td.value')).toHaveText('L\\F');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'viewer-tags-1600.png') });
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();
  await expect(viewer).toBeVisible();

  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'viewer-overlays-1280.png') });
  await page.getByTestId('viewer-preset').focus();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'viewer-preset-1280.png') });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('worklist')).toBeVisible();

  // A structured report: said plainly, not as a 1 × 1 image; previous/next and mark read still work.
  await rows.filter({ hasText: 'test-SR.dcm' }).click();
  await expect(page.getByTestId('viewer-no-image')).toHaveText('No image — this is a structured report.');
  await expect(page.locator('[data-field="imageSize"]')).toHaveText('No image — this is a structured report.');
  await expect(page.getByTestId('viewer-not-applicable')).toBeVisible();
  await expect(page.getByTestId('viewer-probability')).toHaveCount(0);
  const reportId = await viewer.getAttribute('data-study-id');
  const hasNext = await page.getByTestId('viewer-next').isEnabled();
  await page.keyboard.press(hasNext ? 'n' : 'p');
  await expect(viewer).not.toHaveAttribute('data-study-id', reportId!);
  await page.keyboard.press(hasNext ? 'p' : 'n');
  await expect(viewer).toHaveAttribute('data-study-id', reportId!);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'viewer-structured-report-1280.png') });

  // Marking it read keeps it "not applicable" and opens the next unread study.
  await page.getByTestId('viewer-mark-read').click();
  await expect(viewer).not.toHaveAttribute('data-study-id', reportId!);
  await expect(page.getByTestId('viewer-status')).toHaveText(/new/i);
  await page.getByTestId('viewer-back').click();
  await expect(rows.filter({ hasText: 'test-SR.dcm' })).toHaveAttribute('data-flag-state', 'not_applicable');
  await page.getByTestId('nav-audit').click();
  await page.getByTestId('audit-action').selectOption('study.marked_read');
  await expect(page.getByTestId('audit-entry')).toHaveCount(1);
  await page.getByTestId('nav-worklist').click();

  // With "then open the next unread study" off, marking read stays on the study (it can be marked unread again).
  await rows.filter({ hasText: 'test-SR.dcm' }).click();
  await expect(page.getByTestId('viewer-mark-read')).toHaveText(/Mark unread/);
  await page.getByTestId('viewer-advance').uncheck();
  await page.getByTestId('viewer-mark-read').click();
  await expect(page.getByTestId('viewer-mark-read')).toHaveText(/Mark read/);
  await page.getByTestId('viewer-mark-read').click();
  await expect(viewer).toHaveAttribute('data-study-id', reportId!);
  await expect(page.getByTestId('viewer-mark-read')).toHaveText(/Mark unread/);
});

test('viewer: the next study was decoded ahead and opens at once; a JPEG shows its overlays', async ({ page, host }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(host.url);
  await page.getByTestId('import-path').fill(await readingFolder());
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-summary')).toContainText(/completed/i);
  await page.getByTestId('import-dismiss').click();
  const rows = page.getByTestId('worklist-row');
  const ids = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-study-id')!));
  const files = await rows.evaluateAll((els) => els.map((el) => el.textContent ?? ''));
  const jpegIndex = files.findIndex((text) => JPEGS.some((file) => text.includes(file)));

  await rows.nth(jpegIndex).click();
  await expect(page.getByTestId('viewer-image')).toHaveAttribute('data-loaded', 'true');
  await expect(page.getByTestId('overlay-bottom-left')).toHaveText('W 255  L 128');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'viewer-jpeg-1280.png') });
  await page.getByTestId('viewer-back').click();

  // From a neighbour of the chest CR, moving to it shows the full frame at once: it was decoded ahead
  // (opened cold, its JPEG 2000 decode alone takes over a second here).
  const cr = files.findIndex((text) => text.includes('RG1_J2KI.dcm'));
  const [from, key] = cr > 0 ? [cr - 1, 'n'] : [cr + 1, 'p'];
  await rows.nth(from).click();
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-study-id', ids[from]!);
  await page.waitForTimeout(8000);
  const shownAfter = await page.evaluate(async (key) => {
    const t0 = performance.now();
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
    for (;;) {
      await new Promise((resolve) => requestAnimationFrame(resolve));
      if (document.querySelector('[data-testid="viewer-canvas"][data-painted="true"]')) return performance.now() - t0;
      if (performance.now() - t0 > 20_000) return Infinity;
    }
  }, key);
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-study-id', ids[cr]!);
  expect(shownAfter).toBeLessThan(500);
});
