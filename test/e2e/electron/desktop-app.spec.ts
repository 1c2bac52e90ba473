import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { findElectronBinary } from '../../../scripts/electron-binary.mjs';
import { chestXrayTestSplit } from '../support/chest-xray';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const SCREENSHOTS = path.join(ROOT, 'test-results/screenshots');
const binary = findElectronBinary();

test.skip(
  !binary,
  'SKIPPED: no Electron binary on this machine (it cannot be downloaded here). These tests run where `node_modules/electron` has its binary.',
);

/** The built desktop app on a data folder of its own. */
async function launchOnFreshData() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cxr-electron-'));
  return electron.launch({
    executablePath: binary!,
    args: [ROOT, '--data-dir', dataDir, ...(process.platform === 'linux' ? ['--no-sandbox'] : [])],
    cwd: ROOT,
  });
}

test('the desktop app imports the test split and opens a study, with a locked-down window', async () => {
  const split = chestXrayTestSplit();
  const app = await launchOnFreshData();
  try {
    const page = await app.firstWindow();
    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const contents = BrowserWindow.getAllWindows()[0]!.webContents;
      const web = (contents as unknown as { getLastWebPreferences(): Record<string, unknown> }).getLastWebPreferences();
      return { contextIsolation: web.contextIsolation, sandbox: web.sandbox, nodeIntegration: web.nodeIntegration };
    });
    expect(prefs).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
    expect(await page.evaluate(() => Object.keys(window.api ?? {}).sort())).toContain('listStudies');

    await expect(page.getByTestId('first-run')).toBeVisible();
    await page.getByTestId('import-path').fill(split.folder);
    await page.getByTestId('import-start').click();
    await expect(page.getByTestId('import-added')).toHaveText(`${split.normal.length + split.pneumonia.length}`);
    await expect(page.getByTestId('worklist-row')).toHaveCount(split.normal.length + split.pneumonia.length);

    const fileName = split.normal[0]!;
    await page.getByTestId('worklist-row').filter({ hasText: fileName }).click();
    await expect(page.getByTestId('viewer-info')).toContainText(fileName);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'electron-viewer.png') });
  } finally {
    await app.close();
  }
});

test('the desktop app trains a quick pneumonia model in its compute worker, activates it on request and scores the worklist', async () => {
  test.setTimeout(420_000);
  const split = chestXrayTestSplit();
  const app = await launchOnFreshData();
  try {
    const page = await app.firstWindow();
    await page.getByTestId('import-path').fill(split.folder);
    await page.getByTestId('import-start').click();
    await expect(page.getByTestId('worklist-row')).toHaveCount(split.normal.length + split.pneumonia.length);

    await page.getByTestId('nav-fine-tune').click();
    await page.getByTestId('ft-folder-path').fill(path.dirname(split.folder));
    await page.getByTestId('ft-backbone-mobilenet').check();
    await page.getByTestId('ft-phase1-epochs').fill('2');
    await page.getByTestId('ft-phase2-epochs').fill('0');
    await page.getByTestId('ft-quick-run').check();
    await page.getByTestId('ft-max-train-images').fill('24');
    await page.getByTestId('ft-name').fill('electron quick run');
    await page.getByTestId('ft-start').click();
    await expect(page.getByTestId('ft-comparison')).toBeVisible({ timeout: 360_000 });
    await page.getByTestId('ft-activate').click();
    await page.getByTestId('ft-activate-dialog-confirm').click();
    await expect(page.getByTestId('ft-new-is-active')).toBeVisible();

    // The active version scores every imported study in the background.
    await page.getByTestId('nav-worklist').click();
    await expect(page.getByTestId('worklist-row').first()).toContainText('electron quick run', { timeout: 120_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'electron-scored-worklist.png') });
  } finally {
    await app.close();
  }
});
