import { readdirSync } from 'node:fs';
import path from 'node:path';
import { requireSharedData } from '../../support/shared-data';
import { expect, test } from '../support/browser-host';

const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../test-results/screenshots');

const count = (folder: string, split: string, label: string) =>
  readdirSync(path.join(folder, split, label)).filter((f) => !f.startsWith('.')).length;

test('Train model screen: the real chest X-ray folder is previewed per split and class; and the backbone choices explain themselves', async ({ page, host }) => {
  test.setTimeout(180_000);
  const folder = requireSharedData('chest_xray');
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    // The host serves no favicon; Chromium's request for one is not the app's error.
    if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) consoleErrors.push(message.text());
  });
  await page.goto(host.url);
  await page.getByTestId('nav-fine-tune').click();
  await expect(page.getByTestId('fine-tune-screen')).toBeVisible();
  await expect(page.getByTestId('ft-past-runs')).toContainText('No runs yet');

  // Prefilled from the defaults: the staged data folder, and an empty database has no labelled studies.
  await expect(page.getByTestId('ft-folder-path')).toHaveValue(/chest_xray$/);
  await expect(page.getByTestId('ft-labelled-counts')).toHaveText('(0 normal, 0 pneumonia)');
  await page.getByTestId('ft-folder-path').fill(folder);

  await page.getByTestId('ft-preview').click();
  const preview = page.getByTestId('ft-data-preview');
  await expect(preview).toBeVisible();
  for (const split of ['train', 'test'] as const) {
    await expect(preview.getByTestId(`ft-preview-summary-${split}-normal`)).toHaveText(String(count(folder, split, 'NORMAL')));
    await expect(preview.getByTestId(`ft-preview-summary-${split}-pneumonia`)).toHaveText(String(count(folder, split, 'PNEUMONIA')));
  }
  await expect(preview.getByTestId('ft-preview-summary-validation')).not.toBeEmpty();
  expect(Number(await preview.getByTestId('ft-preview-summary-train-patients').textContent())).toBeGreaterThan(0);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'fine-tune-preview-dark.png') });

  // A folder that is not there: the reason, not a blank preview.
  await page.getByTestId('ft-folder-path').fill(path.join(folder, 'missing'));
  await page.getByTestId('ft-preview').click();
  await expect(page.getByTestId('ft-preview-error')).toBeVisible();
  // The population's ages: the textbook's pediatric set (a folder named chest_xray) is 1–5 years; another folder's are not known.
  await expect(page.getByTestId('ft-age-min')).toHaveValue('');
  await expect(page.getByTestId('ft-age-max')).toHaveValue('');
  await page.getByTestId('ft-folder-path').fill(folder);
  await expect(page.getByTestId('ft-age-min')).toHaveValue('1');
  await expect(page.getByTestId('ft-age-max')).toHaveValue('5');
  await expect(page.getByTestId('ft-age-hint')).toContainText('outside the population');
  await page.getByTestId('ft-age-max').fill('');
  await expect(page.getByTestId('ft-age-error')).toContainText('both ages, or neither');
  await expect(page.getByTestId('ft-start')).toBeDisabled();
  await page.getByTestId('ft-age-max').fill('5');
  await expect(page.getByTestId('ft-start')).toBeEnabled();

  // From scratch says what it costs; the active-version option needs an active version.
  await page.getByTestId('ft-backbone-scratch').check();
  await expect(page.getByTestId('ft-scratch-warning')).toContainText('No ImageNet features');
  await expect(page.getByTestId('ft-from-active')).toBeDisabled();
  await page.getByTestId('ft-backbone-vgg').check();
  await expect(page.getByTestId('ft-vgg-path')).toBeVisible();
  await page.getByTestId('ft-backbone-mobilenet').check();
  await expect(page.getByTestId('ft-scratch-warning')).toHaveCount(0);

  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'fine-tune-light.png') });
  expect(consoleErrors).toEqual([]);
});

test('Train model screen: a quick real run shows live curves, compares the new version with none active, and activates it only on request', async ({ page, host }) => {
  test.setTimeout(420_000);
  await page.goto(host.url);
  await page.getByTestId('nav-fine-tune').click();
  await page.getByTestId('ft-folder-path').fill(requireSharedData('chest_xray'));
  // The staged ImageNet MobileNetV2 (prefilled), one epoch of phase 1 on 24 training images.
  await page.getByTestId('ft-backbone-mobilenet').check();
  await expect(page.getByTestId('ft-mobilenet-path')).toHaveValue(/mobilenetv2_035_224_imagenet_tm$/);
  await page.getByTestId('ft-phase1-epochs').fill('2');
  await page.getByTestId('ft-phase2-epochs').fill('0');
  await page.getByTestId('ft-quick-run').check();
  await page.getByTestId('ft-max-train-images').fill('24');
  await page.getByTestId('ft-name').fill('e2e quick run');
  await page.getByTestId('ft-start').click();
  await expect(page.getByTestId('ft-past-runs')).toContainText('e2e quick run');
  // Numbered among pneumonia runs, not by the database id CIFAR-10 runs share.
  await expect(page.getByTestId('ft-past-runs')).toContainText('Pneumonia run 1');
  // Once two batches have passed, the time left, as the CIFAR-10 panel shows it.
  await expect(page.getByTestId('ft-eta')).toHaveText(/^\d+ (s|min)$|^\d+\.\d h$/, { timeout: 240_000 });
  await expect(page.getByTestId('pn-loss-chart')).toBeVisible();
  await expect(page.getByTestId('ft-comparison')).toBeVisible({ timeout: 360_000 });
  await expect(page.getByTestId('ft-run-status')).toHaveText(/completed/);
  await expect(page.getByTestId('ft-comparison-no-active')).toBeVisible();
  await expect(page.getByTestId('ft-past-runs')).toContainText('2 epochs');
  // The comparison shows the new version's real test AUC (a number, not a dash).
  await expect(page.getByTestId('ft-compare-auc-new')).toHaveText(/^0\.\d{3}$/);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'fine-tune-comparison-dark.png'), fullPage: true });

  // Nothing became active on its own; activating asks first.
  await page.getByTestId('ft-activate').click();
  await page.getByTestId('ft-activate-dialog-confirm').click();
  await expect(page.getByTestId('ft-new-is-active')).toBeVisible();
  await page.getByTestId('nav-model').click();
  await expect(page.getByTestId('models-screen')).toContainText('e2e quick run');
});
