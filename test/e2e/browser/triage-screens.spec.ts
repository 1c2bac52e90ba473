import path from 'node:path';
import { readFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import type { Page } from '@playwright/test';
import { rocAuc, rocCurve } from '@shared/metrics/binary-roc';
import { startBrowserHost } from '../support/browser-host';
import { expect, test } from '../support/seeded-host';

const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../test-results/screenshots');

/**
 * What the database says each count must be at a threshold: every study here is scored once, by
 * the one fixture version. A score the version calls unreliable flags like any other, and below the
 * threshold is "not reliable", never "not flagged"; a version that does not apply stored no score.
 */
function countsInDatabase(dir: string, threshold: number): { flagged: number; notFlagged: number; unreliable: number; notApplicable: number } {
  const db = new Database(path.join(dir, 'cxr-triage.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const count = (where: string) => db.prepare(`SELECT COUNT(*) FROM predictions WHERE ${where}`).pluck().get({ threshold }) as number;
    return {
      flagged: count("verdict != 'not_applicable' AND probability >= @threshold"),
      notFlagged: count("verdict = 'in_scope' AND probability < @threshold"),
      unreliable: count("verdict IN ('outside_population', 'unusual_image') AND probability < @threshold"),
      notApplicable: count("verdict = 'not_applicable'"),
    };
  } finally {
    db.close();
  }
}

const flaggedInDatabase = (dir: string, threshold: number) => countsInDatabase(dir, threshold).flagged;

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
  const strict = countsInDatabase(seeded.dir, 0.8);
  expect(strict.flagged).toBeLessThan(flaggedInDatabase(seeded.dir, 0.3));
  await expect(page.getByTestId('threshold-flagged-count')).toHaveText(String(strict.flagged));
  await expect(page.getByTestId('threshold-unflagged-count')).toHaveText(String(strict.notFlagged));
  await expect(page.getByTestId('threshold-unreliable-count')).toHaveText(String(strict.unreliable));
  await expect(page.getByTestId('threshold-not-applicable-count')).toHaveText(String(strict.notApplicable));
  await expect(page.getByTestId('threshold-unscored-count')).toHaveText('0');
  expect(strict.flagged + strict.notFlagged + strict.unreliable + strict.notApplicable).toBe(seeded.studies);
  // The flags in the list agree with the count: the flagged-only view holds exactly those studies,
  // read ones included, and its button says how many.
  await expect(page.getByTestId('filter-flagged-count')).toHaveText(String(strict.flagged));
  await page.getByTestId('filter-flagged').click();
  await expect(page.getByTestId('worklist-count')).toHaveText(`${strict.flagged} matches`);
  const states = await page.getByTestId('worklist-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-flag-state')));
  expect(states.length).toBeGreaterThan(0);
  expect(new Set(states)).toEqual(new Set(['flagged']));
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

  // The fixture has no validation scores: the presets chosen on them are unavailable, never computed on test.
  await expect(page.getByTestId('preset-balanced')).toBeDisabled();
  await expect(page.getByTestId('preset-target')).toBeDisabled();
  await expect(page.getByTestId('preset-source')).toContainText('unavailable for this version');
  await expect(page.getByTestId('metrics-source')).toContainText(/Measured on the test split \(\d+ images/);
  await page.getByTestId('preset-screening').click();
  await expect(page.getByTestId('threshold-input')).toHaveValue('0.30');

  await page.getByTestId('nav-audit').click();
  await page.getByTestId('audit-action').selectOption('threshold.changed');
  const entries = page.getByTestId('audit-entry');
  // Typed value, the slider's resting point (its keyboard steps are one change), then the preset.
  await expect(entries.last()).toContainText('from: 0.30 · to: 0.80 · preset: manual');
  await expect(entries.filter({ hasText: 'to: 0.70 · preset: manual' })).toHaveCount(1);
  await expect(entries.first()).toContainText('preset: screening');
  await expect(entries.first()).toContainText(/threshold changed/i);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'audit.png') });

  // Stored per model version: a fresh window comes back with the last threshold.
  await page.reload();
  await expect(page.getByTestId('threshold-input')).toHaveValue('0.30');
});

test('an out-of-range threshold is refused with a message; Undo brings back the previous threshold and preset, audited', async ({ page, seeded }) => {
  await openWorklist(page, seeded.url, seeded.studies);
  const input = page.getByTestId('threshold-input');
  const undo = page.getByTestId('threshold-undo');
  const stored = page.getByTestId('threshold-save-state');
  await expect(undo).toBeDisabled();

  await input.fill('0.5');
  await input.press('Enter');
  await expect(stored).toContainText('Stored for fixture-v1');
  await page.getByTestId('preset-screening').click();
  await expect(input).toHaveValue('0.30');
  await expect(stored).toContainText('Stored for fixture-v1');

  // Out of range: said so, the typed text kept to correct, the threshold in force unchanged.
  await input.fill('1.7');
  await input.press('Enter');
  await expect(page.getByTestId('threshold-error')).toContainText('from 0 to 1');
  await expect(page.getByTestId('threshold-error')).toContainText('0.30 is still in force');
  await expect(input).toHaveValue('1.7');
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('threshold-flagged-count')).toHaveText(String(flaggedInDatabase(seeded.dir, 0.3)));

  await input.fill('0.7');
  await input.press('Enter');
  await expect(page.getByTestId('threshold-error')).toHaveCount(0);
  await expect(page.getByTestId('threshold-flagged-count')).toHaveText(String(flaggedInDatabase(seeded.dir, 0.7)));
  await expect(stored).toContainText('Stored for fixture-v1');

  // Undo: the screening preset's 0.30 comes back, with its flags, then the 0.50 typed before it.
  await expect(undo).toBeEnabled();
  await undo.click();
  await expect(input).toHaveValue('0.30');
  await expect(page.getByTestId('threshold-flagged-count')).toHaveText(String(flaggedInDatabase(seeded.dir, 0.3)));
  await expect(stored).toContainText('Stored for fixture-v1');
  await expect(undo).toBeEnabled();
  await undo.click();
  await expect(input).toHaveValue('0.50');
  await expect(stored).toContainText('Stored for fixture-v1');

  await page.getByTestId('nav-audit').click();
  await page.getByTestId('audit-action').selectOption('threshold.changed');
  const entries = page.getByTestId('audit-entry');
  await expect(entries).toHaveCount(5);
  await expect(entries.nth(0)).toContainText('from: 0.30 · to: 0.50 · preset: manual');
  await expect(entries.nth(1)).toContainText('from: 0.70 · to: 0.30 · preset: screening');
  await expect(entries.nth(1)).toContainText('Threshold changed');

  // Stored: a fresh window comes back with the threshold the undo left.
  await page.reload();
  await expect(page.getByTestId('threshold-input')).toHaveValue('0.50');
});

test('the site prevalence turns the test figures into flags per 100 studies and a PPV here; it is kept and audited', async ({ page, seeded }) => {
  await openWorklist(page, seeded.url, seeded.studies);
  const prevalence = page.getByTestId('site-prevalence-input');
  await prevalence.fill('10');
  await prevalence.press('Enter');

  // The figures follow from the counts behind sensitivity and specificity at this threshold.
  const ratio = async (testid: string) => {
    const [a, b] = (await page.getByTestId(testid).textContent())!.split('/').map(Number);
    return a! / b!;
  };
  const [sensitivity, specificity] = [await ratio('metric-sensitivity-count'), await ratio('metric-specificity-count')];
  const flagged = sensitivity * 0.1 + (1 - specificity) * 0.9;
  await expect(page.getByTestId('site-flags-per-100')).toHaveText((flagged * 100).toFixed(1));
  await expect(page.getByTestId('site-ppv')).toHaveText(`${(((sensitivity * 0.1) / flagged) * 100).toFixed(1)} %`);
  await expect(page.getByTestId('site-source')).toContainText('at this threshold on');

  await prevalence.fill('150');
  await prevalence.press('Enter');
  await expect(page.getByTestId('site-prevalence-error')).toContainText('from 0.1 to 99.9');

  await page.reload();
  await expect(page.getByTestId('site-prevalence-input')).toHaveValue('10');
  await page.getByTestId('nav-audit').click();
  await expect(page.getByTestId('audit-entry').first()).toContainText('setting: site prevalence (%)');
  await expect(page.getByTestId('audit-entry').first()).toContainText('from: none · to: 10');
});

test('at 1280 px the worklist fits without sideways scrolling, long names show in full on hover; date filters read YYYY-MM-DD', async ({ page, seeded }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await openWorklist(page, seeded.url, seeded.studies);
  const scroller = page.getByTestId('worklist-scroller');
  expect(await scroller.evaluate((el) => el.scrollWidth - el.clientWidth)).toBe(0);
  // Every column, Label and Model included, lies inside the visible part of the table.
  const right = await scroller.evaluate((el) => el.getBoundingClientRect().right);
  for (const column of ['label', 'model', 'probability']) {
    const box = await page.locator(`[data-testid="worklist-row"] [data-col="${column}"]`).first().boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(right);
  }
  const row = page.getByTestId('worklist-row').first();
  const file = row.locator('[data-col="patient"] .file');
  await expect(file).toHaveAttribute('title', (await file.textContent())!);
  await expect(row.locator('[data-col="model"]')).toHaveAttribute('title', 'fixture-v1');

  // The day fields take the table's format; a day after every study's leaves none, a wrong format says so.
  const from = page.getByTestId('filter-date-from');
  await expect(from).toHaveAttribute('placeholder', 'YYYY-MM-DD');
  await from.fill('2999-01-01');
  await expect(page.getByTestId('worklist-empty')).toBeVisible();
  await page.getByTestId('filter-clear').click();
  await expect(from).toHaveValue('');
  await expect(page.getByTestId('worklist-count')).toHaveText(`${seeded.studies} studies`);
  await from.fill('01/31/2026');
  await from.blur();
  await expect(from).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('worklist-count')).toHaveText(`${seeded.studies} studies`);
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
  // The window title names the open study, masked like the rest.
  await expect(page).toHaveTitle(/^Study \d+ · CXR Triage$/);
  await page.getByTestId('privacy-toggle').click();
  await expect(page).toHaveTitle(/^(person\d+|IM-\d+) · CXR Triage$/);
  await page.getByTestId('privacy-toggle').click();
  await page.getByTestId('viewer-back').click();
  await expect(page).toHaveTitle('CXR Triage');

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

  // Staying on the study after marking it read (the default opens the next unread one: tested with the reading e2e).
  await page.getByTestId('viewer-advance').uncheck();
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

const escaped = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

test('verdicts: no score where the model does not apply; unreliable scores marked, never "not flagged"', async ({ page, seeded }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await openWorklist(page, seeded.url, seeded.studies);
  const rows = page.getByTestId('worklist-row');
  const search = page.getByTestId('worklist-search');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'worklist-1280.png') });

  // Not applicable: no probability in the list or the viewer, and the reason on hover.
  const notApplicable = seeded.verdicts.find((v) => v.verdict === 'not_applicable')!;
  await search.fill(notApplicable.fileName);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-flag-state', 'not_applicable');
  await expect(rows.first().locator('[data-col="probability"]')).toHaveText('Not applicable');
  await expect(rows.first().getByTestId('row-not-applicable')).toHaveAttribute('title', notApplicable.reason);
  await expect(rows.first().locator('[data-col="status"]')).toHaveText(/not applicable/i);
  await rows.first().click();
  await expect(page.getByTestId('viewer-not-applicable')).toHaveText('Not applicable');
  await expect(page.getByTestId('viewer-probability')).toHaveCount(0);
  await expect(page.getByTestId('viewer-result')).not.toContainText('%');
  await expect(page.getByTestId('not-applicable')).toContainText(notApplicable.reason);
  await expect(page.getByTestId('heatmap-toggle')).toBeDisabled();
  await expect(page.getByTestId('viewer-image')).toHaveAttribute('data-loaded', 'true');
  await page.getByTestId('viewer-fit').click();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'viewer-not-applicable.png') });
  await page.getByTestId('viewer-back').click();

  // Outside the population: a distinct mark with the reason, a banner in the viewer, and below
  // the threshold "not reliable", never "not flagged".
  const outside = seeded.verdicts.find((v) => v.verdict === 'outside_population')!;
  await search.fill(outside.fileName);
  await expect(rows).toHaveCount(1);
  const mark = rows.first().getByTestId('verdict-mark');
  await expect(mark).toHaveAttribute('data-verdict', 'outside_population');
  await expect(mark).toHaveAttribute('title', escaped(outside.reason));
  await expect(mark).toContainText('Outside pop.');
  expect(['flagged', 'unreliable']).toContain(await rows.first().getAttribute('data-flag-state'));
  await page.getByTestId('threshold-input').fill('1');
  await page.getByTestId('threshold-input').press('Enter');
  await expect(rows.first()).toHaveAttribute('data-flag-state', 'unreliable');
  await rows.first().click();
  await expect(page.getByTestId('verdict-banner')).toContainText('not reliable');
  await expect(page.getByTestId('verdict-banner')).toContainText(outside.reason);
  await expect(page.getByTestId('viewer-result')).toHaveAttribute('data-flag-state', 'unreliable');
  await expect(page.getByTestId('viewer-unreliable')).toBeVisible();
  await page.keyboard.press('h');
  await expect(page.getByTestId('heatmap-legend')).toContainText('not probability');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'viewer-outside-population.png') });
  await page.getByTestId('viewer-back').click();

  const unusual = seeded.verdicts.find((v) => v.verdict === 'unusual_image')!;
  await search.fill(unusual.fileName);
  await expect(rows.first().getByTestId('verdict-mark')).toHaveAttribute('data-verdict', 'unusual_image');
  await expect(rows.first()).toHaveAttribute('data-flag-state', 'unreliable');
  await search.fill('');
  await expect(page.getByTestId('threshold-unflagged-count')).toHaveText(String(countsInDatabase(seeded.dir, 1).notFlagged));
});

/**
 * Gives the fixture version validation scores (its fixture scores of every other labelled study),
 * as training records them: written straight into the copy's database, as only a test may.
 */
function addValidation(dir: string): number {
  const db = new Database(path.join(dir, 'cxr-triage.sqlite'), { fileMustExist: true });
  try {
    const scored = db
      .prepare(
        `SELECT p.probability AS probability, s.label AS label FROM predictions p JOIN images i ON i.id = p.image_id
         JOIN studies s ON s.id = i.study_id WHERE p.probability IS NOT NULL AND s.label IS NOT NULL AND s.id % 2 = 0`,
      )
      .all() as { probability: number; label: string }[];
    const rocPoints = rocCurve(scored.map((s) => s.probability), scored.map((s) => (s.label === 'pneumonia' ? 1 : 0)));
    const validation = { evaluatedOn: 'fixture validation scores', images: scored.length, auc: rocAuc(rocPoints), rocPoints };
    db.prepare("UPDATE model_versions SET metadata_json = json_set(metadata_json, '$.validation', json(?))").run(JSON.stringify(validation));
    return scored.length;
  } finally {
    db.close();
  }
}

test('presets are chosen on validation, and the test figures at that threshold are shown as the independent estimate', async ({ page, seeded }) => {
  await seeded.stop();
  const images = addValidation(seeded.dir);
  const host = await startBrowserHost(seeded.dir);
  try {
    await openWorklist(page, host.url, seeded.studies);
    await expect(page.getByTestId('preset-source')).toContainText(`never on the test split`);
    await page.getByTestId('preset-balanced').click();
    await expect(page.getByTestId('threshold-input')).not.toHaveValue('0.30');
    await expect(page.getByTestId('preset-source')).toContainText(`Balanced: chosen on validation (${images} images)`);
    await expect(page.getByTestId('metrics-source')).toContainText('Measured on the test split');
    await page.getByTestId('preset-target-value').fill('90');
    await page.getByTestId('preset-target').click();
    await expect(page.getByTestId('preset-source')).toContainText(/Target sensitivity 90 %: chosen on validation \(\d+ images\), where it gives sensitivity\s+(9\d|100)\.\d %/);
    await page.setViewportSize({ width: 1280, height: 1000 });
    await page.getByTestId('threshold-panel').screenshot({ path: path.join(SCREENSHOTS, 'threshold-panel-validation.png') });
  } finally {
    await host.stop();
  }
});
