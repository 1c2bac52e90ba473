import path from 'node:path';
import { CR_REASON, expect, test } from '../support/dicom-seeded-host';

const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../test-results/screenshots');

test('DICOM chest CR: the heatmap sits on the image under zoom and window/level; privacy hides the patient tags', async ({ page, dicomSeeded }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(dicomSeeded.url);
  const rows = page.getByTestId('worklist-row');
  await expect(page.getByTestId('worklist-count')).toHaveText('2 studies');
  const rtplan = rows.filter({ hasText: 'rtplan.dcm' });
  await expect(rtplan).toHaveAttribute('data-flag-state', 'not_applicable');
  await expect(rtplan.locator('[data-col="probability"]')).toHaveText('Not applicable');

  const cr = rows.filter({ hasText: 'RG1_J2KI.dcm' });
  await expect(cr.getByTestId('verdict-mark')).toHaveAttribute('data-verdict', 'outside_population');
  await cr.click();
  await expect(page.getByTestId('viewer-canvas')).toBeVisible();
  await expect(page.getByTestId('verdict-banner')).toContainText(CR_REASON);

  const overlay = page.getByTestId('heatmap-overlay');
  await expect(page.getByTestId('heatmap-toggle')).toBeEnabled();
  await page.keyboard.press('h');
  await expect(overlay).toHaveAttribute('data-visible', 'true');
  await expect(page.getByTestId('heatmap-legend')).toContainText('Relative attention, not probability');
  // Only the strongest part is coloured: most of the image stays plain.
  const coloured = await overlay.evaluate((canvas: HTMLCanvasElement) => {
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
    return painted / (data.length / 4);
  });
  expect(coloured).toBeGreaterThan(0.02);
  expect(coloured).toBeLessThan(0.4);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dicom-heatmap.png') });

  // Aligned with the frame under zoom and window/level drags (which change only the frame's grey levels).
  const same = async () => {
    const frame = (await page.getByTestId('viewer-canvas').boundingBox())!;
    const heat = (await overlay.boundingBox())!;
    for (const key of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(heat[key] - frame[key])).toBeLessThan(1);
  };
  await page.getByTestId('viewer-zoom-in').click();
  await page.getByTestId('viewer-zoom-in').click();
  await same();
  const box = (await page.getByTestId('viewer-canvas').boundingBox())!;
  const stage = (await page.getByTestId('viewer-viewport').boundingBox())!;
  const start = { x: stage.x + stage.width / 2, y: stage.y + stage.height / 2 };
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(start.x - 80, start.y + 30, { steps: 4 });
  await page.mouse.up();
  await expect(page.getByTestId('viewer-window')).not.toHaveText('C 15000 / W 30000');
  expect((await page.getByTestId('viewer-canvas').boundingBox())!).toEqual(box);
  await same();
  await page.getByTestId('viewer-fit').click();

  // The tag panel: patient group, person names and the listed identifiers are hidden in privacy mode,
  // and a search cannot find a hidden value.
  await page.getByTestId('viewer-tags').click();
  const tag = (t: string) => page.locator(`[data-testid="tag-row"][data-tag="${t}"] td.value`);
  await expect(tag('(0010,0010)')).toHaveText('CompressedSamples^RG1');
  await page.getByTestId('privacy-toggle').click();
  for (const t of ['(0010,0010)', '(0010,0020)', '(0010,0030)', '(0008,0050)', '(0008,0080)', '(0008,0090)']) await expect(tag(t)).toHaveText('hidden');
  await expect(tag('(0018,0015)')).toHaveText('CHEST');
  await expect(page.getByTestId('tag-panel')).not.toContainText('CompressedSamples');
  await expect(page.getByTestId('tag-panel')).not.toContainText('9RG1');
  await page.getByTestId('tag-search').fill('RG1');
  await expect(page.getByTestId('tag-row')).toHaveCount(0);
  await page.getByTestId('tag-search').fill('');
  await expect(page.getByTestId('viewer')).not.toContainText('9RG1');
  await expect(page).toHaveTitle(/^Study \d+ · CXR Triage$/);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dicom-tags-privacy.png') });
});
