// Screenshots of every screen at 1280 and 1600 px, for a person to look at (not a test).
//
//   npm run build && node scripts/screenshots.mjs --data-dir <data folder> [--out test-results/screens] [--only worklist]
//
// The data folder is copied first (the app migrates and writes it), so the one given is left as it
// was; a folder with the shared corpus imported and a version active shows every screen filled in.
// Console errors of every page are printed at the end: the run fails if there are any.
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';

const ROOT = path.resolve(import.meta.dirname, '..');
const SHARED = path.resolve(process.env.CXR_SHARED_DATA ?? path.join(ROOT, '..', 'shared', 'data'));
const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    out: { type: 'string', default: path.join(ROOT, 'test-results/screens') },
    /** Only the screens whose name contains this text. */
    only: { type: 'string', default: '' },
  },
});
if (!values['data-dir']) {
  console.error('usage: node scripts/screenshots.mjs --data-dir <data folder> [--out <folder>]');
  process.exit(2);
}
const out = path.resolve(values.out);
await mkdir(out, { recursive: true });
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cxr-screens-'));
await cp(path.resolve(values['data-dir']), dataDir, { recursive: true, filter: (src) => !src.endsWith('cxr-triage.lock') });

const host = spawn(process.execPath, [path.join(ROOT, 'out/main/host.js'), '--data-dir', dataDir, '--port', '0'], {
  cwd: ROOT,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let text = '';
  host.stdout.on('data', (chunk) => {
    text += chunk;
    const match = /CXR_TRIAGE_URL=(\S+)/.exec(text);
    if (match) resolve(match[1]);
  });
  host.on('exit', (code) => reject(new Error(`the host exited with ${code}`)));
});

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const errors = [];

/** One screen: how to reach it from a freshly loaded app, and what to wait for. */
const SCREENS = [
  { name: 'worklist', go: async () => {}, ready: 'worklist-row' },
  { name: 'threshold-prevalence', go: async (page) => {
      await page.getByTestId('site-prevalence-input').fill('10');
      await page.getByTestId('site-prevalence-input').press('Enter');
      await page.getByTestId('site-ppv').waitFor();
      await page.getByTestId('threshold-panel').evaluate((panel) => panel.scrollTo(0, panel.scrollHeight));
    }, ready: 'site-ppv' },
  { name: 'threshold-invalid', go: async (page) => {
      await page.getByTestId('threshold-input').fill('1.7');
      await page.getByTestId('threshold-input').press('Enter');
    }, ready: 'threshold-error' },
  { name: 'import-notice', go: async (page) => {
      await page.getByTestId('open-import').click();
      await page.getByTestId('import-path').fill(path.join(SHARED, 'chest_xray/val/NORMAL'));
      await page.getByTestId('import-start').click();
    }, ready: 'import-summary' },
  { name: 'viewer', go: async (page) => page.getByTestId('worklist-row').first().click(), ready: 'viewer-image' },
  { name: 'audit', go: async (page) => page.getByTestId('nav-audit').click(), ready: 'audit-view' },
  { name: 'models', go: async (page) => page.getByTestId('nav-model').click(), ready: 'models-screen' },
  { name: 'fine-tune', go: async (page) => page.getByTestId('nav-fine-tune').click(), ready: 'fine-tune-screen' },
  { name: 'fine-tune-preview', go: async (page) => {
      await page.getByTestId('nav-fine-tune').click();
      await page.getByTestId('ft-preview').click();
      await page.getByTestId('ft-data-preview').waitFor({ timeout: 60_000 });
    }, ready: 'fine-tune-screen' },
  { name: 'cifar-training', go: async (page) => page.getByTestId('nav-training').click(), ready: 'training-panel' },
  { name: 'dicom-node', go: async (page) => page.getByTestId('nav-dicom-node').click(), ready: 'dicom-node-screen' },
  { name: 'import-dialog', go: async (page) => page.getByTestId('open-import').click(), ready: 'import-path' },
];

try {
  for (const width of [1280, 1600]) {
    for (const screen of SCREENS.filter((s) => s.name.includes(values.only))) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`${screen.name} @${width}: ${message.text()}`);
      });
      page.on('pageerror', (error) => errors.push(`${screen.name} @${width}: ${error.message}`));
      await page.goto(url);
      await page.getByTestId('worklist-row').first().waitFor({ timeout: 60_000 });
      try {
        await screen.go(page);
        await page.getByTestId(screen.ready).first().waitFor({ timeout: 30_000 });
        await page.waitForTimeout(1500);
      } catch (error) {
        console.error(`${screen.name} @${width}: ${error.message.split('\n')[0]}`);
      }
      const file = path.join(out, `${screen.name}-${width}.png`);
      await page.screenshot({ path: file });
      const overflow = await page.evaluate(() => {
        const scroller = document.querySelector('[data-testid="worklist-scroller"]');
        return scroller && scroller.checkVisibility({ visibilityProperty: true }) ? scroller.scrollWidth - scroller.clientWidth : 0;
      });
      console.log(`${path.relative(ROOT, file)}${overflow > 0 ? `  (worklist scrolls sideways by ${overflow} px)` : ''}`);
      await page.close();
    }
  }
} finally {
  await browser.close();
  host.kill('SIGTERM');
  await new Promise((resolve) => host.once('exit', resolve));
  await rm(dataDir, { recursive: true, force: true });
}
console.log(errors.length === 0 ? 'console: no errors' : `console errors:\n${errors.join('\n')}`);
process.exitCode = errors.length === 0 ? 0 : 1;
