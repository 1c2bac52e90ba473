import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { toCifarBinary } from '../../../src-main/services/ml/cifar/cifar-binary';
import { selectImages } from '../../../src-main/services/ml/cifar/cifar-dataset';
import { realCifar10 } from '../../support/cifar-real';
import { expect, test } from '../support/browser-host';

const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../test-results/screenshots');

/** A tiny official-format release cut from the real images: 5 x 40 training and 100 test images. */
async function tinyRelease(): Promise<string> {
  const data = await realCifar10();
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'cxr-e2e-cifar-')), 'cifar-10-batches-bin');
  await mkdir(dir);
  for (let b = 1; b <= 5; b++) {
    const indices = Array.from({ length: 40 }, (_, i) => ((b * 40 + i) * 613) % data.train.count);
    await writeFile(path.join(dir, `data_batch_${b}.bin`), toCifarBinary(selectImages(data.train, indices)));
  }
  await writeFile(path.join(dir, 'test_batch.bin'), toCifarBinary(selectImages(data.test, Array.from({ length: 100 }, (_, i) => (i * 97) % data.test.count))));
  return dir;
}

test('CIFAR-10 panel: a tiny training run shows live curves, then the confusion matrix, report and test images', async ({ page, host }) => {
  test.setTimeout(240_000);
  const release = await tinyRelease();
  await page.goto(host.url);
  await page.getByTestId('nav-training').click();
  await expect(page.getByTestId('training-panel')).toBeVisible();
  await expect(page.getByTestId('backend')).toContainText('wasm');
  await expect(page.getByTestId('backend')).toContainText('tfjs-node');

  // The staged release is offered, as the Train model screen offers its data.
  await expect(page.getByTestId('dataset-path')).toHaveValue(/cifar10[\\/]cifar-10-images\.tar\.gz$/);
  await expect(page.getByTestId('dataset-path-found')).toBeVisible();

  // Bad input first: a clear error and no run.
  await page.getByTestId('dataset-path').fill(path.join(release, 'missing'));
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('training-error')).toContainText('does not exist');

  await page.getByTestId('dataset-path').fill(release);
  await page.getByTestId('epochs').fill('2');
  await page.getByTestId('batch-size').fill('32');
  await page.getByTestId('quick-run').uncheck();
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('run-status')).toHaveText(/running/);
  // Numbered among CIFAR-10 runs, not by the database id pneumonia runs share.
  await expect(page.locator('h1', { has: page.getByTestId('run-status') })).toContainText('CIFAR run 1');
  await expect(page.getByTestId('epoch-progress')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('eta')).not.toHaveText('–');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'training-running.png') });

  await expect(page.getByTestId('run-status')).toHaveText(/completed/, { timeout: 180_000 });
  // Two epochs: two points per curve, train and validation.
  await expect(page.getByTestId('loss-chart').locator('circle')).toHaveCount(4);
  await expect(page.getByTestId('accuracy-chart').locator('circle')).toHaveCount(4);
  await expect(page.getByTestId('lr-chart').locator('circle')).toHaveCount(2);
  const matrix = page.getByTestId('confusion-matrix');
  await expect(matrix.locator('tbody tr')).toHaveCount(10);
  await expect(matrix.locator('tbody td')).toHaveCount(100);
  const cells = await matrix.locator('tbody td').allTextContents();
  expect(cells.reduce((sum, v) => sum + Number(v), 0)).toBe(100);
  await expect(page.getByTestId('classification-report').locator('tbody tr')).toHaveCount(10);
  await expect(page.getByTestId('sample-grid').locator('canvas')).toHaveCount(24);
  await expect(page.getByTestId('test-accuracy')).toHaveText(/^\d+\.\d%$/);
  await expect(page.getByTestId('fit-diagnosis')).toHaveText(/^(Too short to learn|Over-fitting|Under-fitting|Good fit)\./);
  await expect(page.getByTestId('training-panel').getByRole('button', { name: /CIFAR run 1/ })).toContainText('2/2 epochs');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'training-finished.png'), fullPage: true });
});
