import path from 'node:path';
import { readFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import type { Page } from '@playwright/test';
import { expect, test } from '../support/seeded-host';

const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../test-results/screenshots');

/** What the database says the threshold must flag: every study here is new and scored once. */
function flaggedInDatabase(dir: string, threshold: number): number {
  const db = new Database(path.join(dir, 'cxr-triage.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT COUNT(*) FROM predictions WHERE probability >= ?').pluck().get(threshold) as number;
  } finally {
    db.close();
  }
}

async function openWorklist(page: Page, url: string, studies: number): Promise<void> {
  await page.goto(url);
  await expect(page.getByTestId('worklist-count')).toHaveText(`${studies} studies`);
  await expect(page.getByTestId('threshold-flagged-count')).toBeVisible();
}

const number = async (page: Page, testId: string) => Number(await page.getByTestId(testId).textContent());

test('moving the threshold re-flags the worklist at once, and the change is audited', async ({ page, seeded }) => {
  await openWorklist(page, seeded.url, seeded.studies);
  await expect(page.getByTestId('threshold-input')).toHaveValue('0.30');
  await expect(page.getByTestId('threshold-model')).toHaveText('fixture-v1');
  expect(await number(page, 'threshold-flagged-count')).toBe(flaggedInDatabase(seeded.dir, 0.3));

  await page.getByTestId('threshold-input').fill('0.8');
  await page.getByTestId('threshold-input').press('Enter');
  const strict = flaggedInDatabase(seeded.dir, 0.8);
  expect(strict).toBeLessThan(flaggedInDatabase(seeded.dir, 0.3));
  await expect(page.getByTestId('threshold-flagged-count')).toHaveText(String(strict));
  await expect(page.getByTestId('threshold-unflagged-count')).toHaveText(String(seeded.studies - strict));
  // The flags in the list agree with the count: the flagged-only view holds exactly those studies.
  await page.getByTestId('filter-flagged').click();
  await expect(page.getByTestId('worklist-count')).toHaveText(`${strict} matches`);
  await expect(page.getByTestId('worklist-row').first()).toHaveAttribute('data-flagged', 'true');
  await page.getByTestId('filter-flagged').click();

  // The slider moves the flags too (keyboard steps of 0.01), and the metrics follow the curve.
  const sensitivityBefore = await page.getByTestId('metric-sensitivity').textContent();
  await page.getByTestId('threshold-slider').focus();
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('threshold-input')).toHaveValue('0.70');
  await expect(page.getByTestId('threshold-flagged-count')).toHaveText(String(flaggedInDatabase(seeded.dir, 0.7)));
  await expect(page.getByTestId('metric-sensitivity')).not.toHaveText(sensitivityBefore ?? '');
  // Each rate comes with the counts behind it and a 95 % interval around it.
  const [flaggedPositives, positives] = (await page.getByTestId('metric-sensitivity-count').textContent())!.split('/').map(Number);
  const [low, high] = /^([\d.]+)–([\d.]+) %$/.exec((await page.getByTestId('metric-sensitivity-interval').textContent())!.trim())!.slice(1).map(Number);
  await expect(page.getByTestId('metric-sensitivity')).toHaveText(`${((flaggedPositives! / positives!) * 100).toFixed(1)} %`);
  expect(low).toBeLessThan((flaggedPositives! / positives!) * 100 + 0.05);
  expect(high).toBeGreaterThan((flaggedPositives! / positives!) * 100 - 0.05);
  await expect(page.getByTestId('threshold-save-state')).toContainText('Stored for fixture-v1');
  await page.getByTestId('threshold-panel').screenshot({ path: path.join(SCREENSHOTS, 'threshold-panel.png') });

  // Balanced preset: Youden's J on the fixture's curve.
  await page.getByTestId('preset-balanced').click();
  await expect(page.getByTestId('threshold-input')).not.toHaveValue('0.70');

  await page.getByTestId('nav-audit').click();
  await page.getByTestId('audit-action').selectOption('threshold.changed');
  const entries = page.getByTestId('audit-entry');
  // Typed value, the slider's resting point (its keyboard steps are one change), then the preset.
  await expect(entries.last()).toContainText('from: 0.3 · to: 0.8 · preset: manual');
  await expect(entries.filter({ hasText: 'to: 0.7 · preset: manual' })).toHaveCount(1);
  await expect(entries.first()).toContainText('preset: balanced');
  await expect(entries.first()).toContainText(/threshold changed/i);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'audit.png') });

  // Stored per model version: a fresh window comes back with the last threshold.
  const balanced = await page.getByTestId('threshold-input').inputValue();
  await page.reload();
  await expect(page.getByTestId('threshold-input')).toHaveValue(balanced);
});

test('the aging rule lifts a long-waiting study above higher scores, until the limit is raised', async ({ page, seeded }) => {
  await openWorklist(page, seeded.url, seeded.studies);
  const first = page.getByTestId('worklist-row').first();
  await expect(first).toHaveAttribute('data-study-id', String(seeded.agedStudyId));
  await expect(first).toHaveAttribute('data-flagged', 'false');
  await expect(first.locator('[data-col="waiting"]')).toContainText('24 h');
  await expect(first.locator('[data-col="waiting"]')).toHaveClass(/overdue/);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'worklist.png') });

  // With a limit of a week the day-old study is no longer overdue: it sinks to its score (the lowest).
  await page.getByTestId('aging-limit').fill('10080');
  await page.getByTestId('aging-limit').press('Enter');
  await expect(first).not.toHaveAttribute('data-study-id', String(seeded.agedStudyId));
  await expect(first).toHaveAttribute('data-flagged', 'true');
  // Sorting by probability ascending puts it first again, now for its score.
  await page.getByTestId('sort-probability').click();
  await page.getByTestId('sort-probability').click();
  await expect(first).toHaveAttribute('data-study-id', String(seeded.agedStudyId));
});

test('keyboard: move, open, come back, mark read, flagged view, help; privacy mode hides names', async ({ page, seeded }) => {
  await openWorklist(page, seeded.url, seeded.studies);
  const rows = page.getByTestId('worklist-row');
  const ids = await rows.evaluateAll((els) => els.slice(0, 4).map((el) => el.getAttribute('data-study-id')));

  await page.keyboard.press('j');
  await expect(rows.nth(0)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('j');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('k');
  await expect(rows.nth(1)).toHaveAttribute('aria-selected', 'true');
  await expect(rows.nth(1)).toBeFocused();

  await page.keyboard.press('Enter');
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-study-id', ids[1]!);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('worklist')).toBeVisible();
  await expect(rows.nth(1)).toBeFocused();

  // Marking read sinks the study to the end of the reading order; the selection moves to the next one.
  await page.keyboard.press('r');
  await expect(rows.nth(1)).toHaveAttribute('data-study-id', ids[2]!);
  await expect(rows.nth(1)).toBeFocused();
  await page.getByTestId('filter-unread').click();
  await expect(page.getByTestId('worklist-count')).toHaveText(`${seeded.studies - 1} matches`);
  await page.getByTestId('filter-unread').click();
  await page.getByTestId('nav-audit').click();
  await page.getByTestId('audit-action').selectOption('study.marked_read');
  await expect(page.getByTestId('audit-entry')).toHaveCount(1);
  await page.getByTestId('nav-worklist').click();

  await page.keyboard.press('f');
  await expect(page.getByTestId('filter-flagged')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('worklist-count')).toHaveText(/matches/);
  await page.keyboard.press('f');
  await expect(page.getByTestId('worklist-count')).toHaveText(`${seeded.studies} studies`);

  await page.keyboard.press('?');
  await expect(page.getByTestId('keyboard-help')).toContainText('Mark read');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('keyboard-help')).not.toBeVisible();

  // Privacy: the Kaggle patients are "personNNN"; none of it may show, in the list or the viewer.
  const patients = page.locator('[data-testid="worklist-row"] [data-col="patient"]');
  await expect(patients.filter({ hasText: /person\d+/ }).first()).toBeVisible();
  await page.getByTestId('privacy-toggle').click();
  await expect(patients.filter({ hasText: /person\d+/ })).toHaveCount(0);
  await expect(patients.first()).toContainText(/Study \d+/);
  await rows.first().click();
  await expect(page.getByTestId('viewer-info')).toBeVisible();
  await expect(page.getByTestId('viewer')).not.toContainText(/person\d+/);
  await page.getByTestId('viewer-back').click();

  // The default export is de-identified.
  await page.getByTestId('worklist-export').click();
  const download = page.waitForEvent('download');
  await page.getByTestId('export-start').click();
  const csv = await readFile(await (await download).path(), 'utf8');
  expect(csv.split('\n')[0]).not.toContain('patient');
  expect(csv).not.toMatch(/person\d+/);
  await expect(page.getByTestId('export-saved')).toContainText(`${seeded.studies} rows`);
  // An identified export needs an explicit confirmation.
  await page.getByTestId('export-identified').check();
  await expect(page.getByTestId('export-start')).toBeDisabled();
  await page.getByTestId('export-confirm').check();
  await expect(page.getByTestId('export-start')).toBeEnabled();
});

test('viewer: score and threshold, heatmap overlay aligned under zoom, next study, mark read', async ({ page, seeded }) => {
  await openWorklist(page, seeded.url, seeded.studies);
  const rows = page.getByTestId('worklist-row');
  const [firstId, secondId] = await rows.evaluateAll((els) => els.slice(0, 2).map((el) => el.getAttribute('data-study-id')));
  await rows.nth(1).click();
  const viewer = page.getByTestId('viewer');
  await expect(viewer).toHaveAttribute('data-study-id', secondId!);
  await expect(page.getByTestId('viewer-threshold')).toHaveText('0.30');
  await expect(page.getByTestId('viewer-model')).toHaveText('fixture-v1');
  await expect(page.getByTestId('viewer-probability')).toHaveText(/\d+\.\d %/);

  const overlay = page.getByTestId('heatmap-overlay');
  await expect(page.getByTestId('heatmap-toggle')).toBeEnabled();
  await expect(overlay).toHaveAttribute('data-visible', 'false');
  await page.keyboard.press('h');
  await expect(overlay).toHaveAttribute('data-visible', 'true');
  await page.getByTestId('viewer-zoom-in').click();
  await page.getByTestId('viewer-zoom-in').click();
  const image = await page.getByTestId('viewer-image').boundingBox();
  const heat = await overlay.boundingBox();
  expect(heat && image).toBeTruthy();
  for (const key of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(heat![key] - image![key])).toBeLessThan(1);
  await page.getByTestId('viewer-fit').click();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'viewer-heatmap.png') });
  await page.getByTestId('heatmap-toggle').click();
  await expect(overlay).toHaveAttribute('data-visible', 'false');

  await page.getByTestId('viewer-mark-read').click();
  await expect(page.getByTestId('viewer-status')).toHaveText(/read/i);
  await page.getByTestId('viewer-previous').click();
  await expect(viewer).toHaveAttribute('data-study-id', firstId!);
  await page.keyboard.press('n');
  await expect(viewer).toHaveAttribute('data-study-id', secondId!);
  await expect(page.getByTestId('viewer-mark-read')).toHaveText(/Mark unread/);
});

test('intended use, and the light theme', async ({ page, seeded }) => {
  await openWorklist(page, seeded.url, seeded.studies);
  await page.getByTestId('nav-model').click();
  await expect(page.getByTestId('intended-use')).toContainText('pneumonia or normal');
  await expect(page.getByTestId('intended-use')).toContainText('Not validated for adults');
  await expect(page.getByTestId('intended-use-version')).toHaveText('fixture-v1');
  await page.getByTestId('nav-worklist').click();
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'light-theme.png') });
});
