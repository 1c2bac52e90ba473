import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import sharp from 'sharp';
import { expect, test } from '../support/browser-host';
import { requireSharedData } from '../../support/shared-data';

const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../test-results/screenshots');
const RG1 = 'pydicom_data/RG1_J2KI.dcm';

/**
 * The expected picture, computed apart from the app: OpenJPEG decodes the codestream that
 * dicom-parser finds, then the file's window (C 15000 / W 30000) and MONOCHROME1 inversion.
 */
async function expectedRendering(file: string): Promise<{ width: number; height: number; grey: Uint8Array }> {
  const bytes = await readFile(file);
  const dataSet = dicomParser.parseDicom(bytes);
  const element = dataSet.elements.x7fe00010!;
  const codestream = dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, element, 0, element.fragments!.length);
  const openjpeg = await (createRequire(import.meta.url)('@cornerstonejs/codec-openjpeg/decodewasmjs') as (o: object) => Promise<{ J2KDecoder: new () => any }>)({ print() {}, printErr() {} });
  const decoder = new openjpeg.J2KDecoder();
  decoder.getEncodedBuffer(codestream.length).set(codestream);
  decoder.decode();
  const info = decoder.getFrameInfo();
  const raw = new Uint8Array(decoder.getDecodedBuffer());
  const samples = new Uint16Array(raw.buffer);
  const [center, width] = [Number(dataSet.string('x00281050')), Number(dataSet.string('x00281051'))];
  const grey = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    const lin = v <= center - 0.5 - (width - 1) / 2 ? 0 : v > center - 0.5 + (width - 1) / 2 ? 255 : ((v - (center - 0.5)) / (width - 1) + 0.5) * 255;
    grey[i] = Math.round(255 - lin);
  }
  return { width: info.width, height: info.height, grey };
}

async function canvasGrey(page: import('@playwright/test').Page): Promise<{ width: number; height: number; grey: Uint8Array }> {
  const dataUrl = await page.getByTestId('viewer-canvas').evaluate((c: HTMLCanvasElement) => c.toDataURL('image/png'));
  const { data, info } = await sharp(Buffer.from(dataUrl.split(',')[1]!, 'base64')).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, grey: new Uint8Array(data) };
}

function meanDifference(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

test('DICOM viewer: the chest CR renders as expected, window/level drags, invert, tag search', async ({ page, host }) => {
  const source = path.join(requireSharedData('dicom'), RG1);
  const folder = await mkdtemp(path.join(os.tmpdir(), 'cxr-e2e-dicom-'));
  await copyFile(source, path.join(folder, 'RG1_J2KI.dcm'));
  await copyFile(path.join(requireSharedData('dicom'), 'pydicom_test_files/rtplan.dcm'), path.join(folder, 'rtplan.dcm'));
  await copyFile(path.join(requireSharedData('dicom'), 'pydicom_test_files/MR_truncated.dcm'), path.join(folder, 'MR_truncated.dcm'));

  await page.goto(host.url);
  await page.getByTestId('import-path').fill(folder);
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-summary')).toContainText(/completed/i);
  await expect(page.getByTestId('import-added')).toHaveText('2');
  await expect(page.getByTestId('import-rejected')).toHaveText('1');
  await expect(page.getByTestId('import-summary')).toContainText(/truncated/);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dicom-import.png') });
  await page.getByTestId('import-dismiss').click();

  await page.getByTestId('worklist-row').filter({ hasText: 'RG1_J2KI.dcm' }).click();
  await expect(page.getByTestId('viewer-canvas')).toBeVisible();
  await expect(page.getByTestId('viewer-window')).toHaveText('C 15000 / W 30000');

  const expected = await expectedRendering(source);
  const shown = await canvasGrey(page);
  expect([shown.width, shown.height]).toEqual([expected.width, expected.height]);
  expect(meanDifference(shown.grey, expected.grey)).toBeLessThan(0.5);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dicom-viewer.png') });

  // Fitted, the whole image is on screen and touches the viewport on its limiting side, also in a
  // small window where the toolbar wraps and the viewport's height is not a whole number of pixels.
  const configured = page.viewportSize()!;
  for (const size of [configured, { width: 700, height: 500 }]) {
    await page.setViewportSize(size);
    const stage = (await page.getByTestId('viewer-viewport').boundingBox())!;
    await expect(async () => {
      const fitted = (await page.getByTestId('viewer-canvas').boundingBox())!;
      expect(fitted.y).toBeGreaterThanOrEqual(stage.y - 0.01);
      expect(fitted.x).toBeGreaterThanOrEqual(stage.x - 0.01);
      expect(fitted.y + fitted.height).toBeLessThanOrEqual(stage.y + stage.height + 0.01);
      expect(fitted.x + fitted.width).toBeLessThanOrEqual(stage.x + stage.width + 0.01);
      expect(Math.max(fitted.height / stage.height, fitted.width / stage.width)).toBeGreaterThan(0.999);
    }).toPass({ timeout: 5_000 });
  }
  await page.setViewportSize(configured);

  // Dragging right widens the window, down raises the centre.
  const box = (await page.getByTestId('viewer-canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 100, box.y + box.height / 2 + 40, { steps: 5 });
  await page.mouse.up();
  const windowText = await page.getByTestId('viewer-window').textContent();
  expect(windowText).not.toBe('C 15000 / W 30000');
  const dragged = await canvasGrey(page);
  expect(meanDifference(dragged.grey, expected.grey)).toBeGreaterThan(2);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dicom-viewer-windowed.png') });

  await page.getByTestId('viewer-preset').selectOption({ index: 0 });
  await page.getByTestId('viewer-invert').click();
  const inverted = await canvasGrey(page);
  const flipped = expected.grey.map((g) => 255 - g);
  expect(meanDifference(inverted.grey, flipped)).toBeLessThan(0.5);

  await page.getByTestId('viewer-tags').click();
  await expect(page.getByTestId('tag-panel')).toBeVisible();
  await page.getByTestId('tag-search').fill('window');
  await expect(page.getByTestId('tag-row').filter({ hasText: 'Window Center' })).toContainText('15000');
  await expect(page.getByTestId('tag-row')).not.toHaveCount(0);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dicom-tags.png') });
});
