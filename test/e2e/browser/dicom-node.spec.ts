import net from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { freePort, stopChildren } from '../../support/dicom-tools';
import { writeVariants } from '../../support/dicom-variants';
import { requireSharedData } from '../../support/shared-data';
import { acknowledgedCount, sharedTransferSyntax, storescu } from '../../support/storescu';
import { expect, test } from '../support/tiny-model-host';

const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../test-results/screenshots');
/** The real chest CR of the shared corpus (wg04 RG1: CR, CHEST, PA; JPEG 2000, the sender's own syntax). */
const CHEST_CR = 'wg04/J2KI__RG1_J2KI.dcm';

test.afterEach(stopChildren);

/** The screen scrolls inside its pane: back to its top for a picture of the whole form. */
async function screenshotFromTop(page: Page, name: string): Promise<void> {
  await page.getByTestId('dicom-node-screen').evaluate((el) => (el.scrollTop = 0));
  await page.screenshot({ path: path.join(SCREENSHOTS, name) });
}

function peerRow(page: Page, index: number) {
  return page.getByTestId('peer-row').nth(index);
}

async function addPeer(page: Page, aeTitle: string, host: string, port = ''): Promise<void> {
  await page.getByTestId('peers-add').click();
  const row = page.getByTestId('peer-row').last();
  await row.getByTestId('peer-ae-title').fill(aeTitle);
  await row.getByTestId('peer-host').fill(host);
  await row.getByTestId('peer-port').fill(port);
}

/** The probabilities on screen, top to bottom, for studies that have one. */
async function shownProbabilities(page: Page): Promise<number[]> {
  const texts = await page.getByTestId('worklist').getByTestId('row-probability').allTextContents();
  return texts.filter((t) => /\d/.test(t)).map((t) => Number.parseFloat(t));
}

test('DICOM node: set up on its screen, studies sent with storescu land in the open worklist, scored, with a notice', async ({ page, tinyModelHost }) => {
  test.setTimeout(240_000);
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) consoleErrors.push(`${message.text()} ${message.location().url}`);
  });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(tinyModelHost.url);
  await expect(page.getByTestId('worklist-count')).toHaveText(`${tinyModelHost.studies} studies`);
  // The top bar's six screens and the node's dot leave the import button whole at 1280 px.
  const importButton = (await page.getByTestId('open-import').boundingBox())!;
  expect(importButton.x + importButton.width).toBeLessThanOrEqual(1280 - 8);
  // Set only here: a reload of the page would lose it.
  await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));

  // The reader's own view of the list: sorted by probability, one study selected.
  await page.getByTestId('sort-probability').click();
  await page.keyboard.press('ArrowDown');
  const selected = page.locator('[data-testid="worklist-row"][aria-selected="true"]');
  await expect(selected).toHaveCount(1);
  const selectedId = await selected.getAttribute('data-study-id');

  // Off on a fresh install; the top bar's indicator opens the screen.
  const indicator = page.getByTestId('dicom-node-indicator');
  await expect(indicator).toHaveAttribute('data-state', 'off');
  await indicator.click();
  await expect(page.getByTestId('dicom-node-screen')).toBeVisible();
  await expect(page.getByTestId('node-status-text')).toContainText('Off');
  await expect(page.getByTestId('node-enabled')).not.toBeChecked();
  await expect(page.getByTestId('node-bind-address')).toHaveValue('127.0.0.1');
  await expect(page.getByTestId('peers-empty')).toContainText('Nobody may send');
  await expect(page.getByTestId('accepted-classes')).toContainText('Computed Radiography Image Storage');
  await expect(page.getByTestId('accepted-classes')).toContainText('refused at negotiation');
  await expect(page.getByTestId('node-save')).toBeDisabled();

  // Another address than loopback needs a plain confirmation before it can be saved; the contract's
  // complaints come back next to their fields.
  await page.getByTestId('node-bind-address').fill('example.org');
  await expect(page.getByTestId('node-network-warning')).toContainText('Anyone on the network');
  await expect(page.getByTestId('node-save')).toBeDisabled();
  await page.getByTestId('node-network-confirm').check();
  await page.getByTestId('node-port').fill('70000');
  await addPeer(page, 'PACS', 'pacs.example.org');
  await page.getByTestId('node-save').click();
  await expect(page.getByTestId('node-bind-address-error')).toHaveText('expected an IPv4 or IPv6 address');
  await expect(page.getByTestId('node-port-error')).toHaveText('a port is a whole number from 1 to 65535');
  await expect(peerRow(page, 0).getByTestId('peer-host-error')).toHaveText('IP address: expected an IPv4 or IPv6 address');
  await expect(page.getByTestId('node-save-error')).toBeVisible();
  await screenshotFromTop(page, 'dicom-node-errors-1280.png');

  // A port already taken: the node says so, here and in the top bar.
  const blocker = net.createServer();
  const takenPort = await freePort();
  await new Promise<void>((resolve) => blocker.listen(takenPort, '127.0.0.1', resolve));
  try {
    await page.getByTestId('node-bind-address').fill('127.0.0.1');
    await expect(page.getByTestId('node-network-warning')).toHaveCount(0);
    await page.getByTestId('node-port').fill(String(takenPort));
    await peerRow(page, 0).getByTestId('peer-remove').click();
    await page.getByTestId('node-enabled').check();
    await page.getByTestId('node-save').click();
    await expect(page.getByTestId('node-status-text')).toHaveText(`Not listening: port ${takenPort} is in use on 127.0.0.1 (another DICOM node or program listens there)`);
    await expect(indicator).toHaveAttribute('data-state', 'error');
    await expect(indicator).toHaveAttribute('title', new RegExp(`port ${takenPort} is in use`));
  } finally {
    blocker.close();
  }

  // The node for real: a free port, the storescu sender, and this node itself for the echo test.
  const port = await freePort();
  await page.getByTestId('node-port').fill(String(port));
  await addPeer(page, 'STORESCU', '127.0.0.1');
  await addPeer(page, 'CXRTRIAGE', '127.0.0.1', String(port));
  await page.getByTestId('node-save').click();
  await expect(page.getByTestId('node-status-text')).toHaveText(`Listening on 127.0.0.1:${port} as CXRTRIAGE`);
  await expect(page.getByTestId('node-save-note')).toContainText('Saved.');
  await expect(indicator).toHaveAttribute('data-state', 'listening');
  await expect(indicator).toHaveAttribute('title', new RegExp(`listening on 127\\.0\\.0\\.1:${port} as CXRTRIAGE`));

  // Test: a peer without a port says what is missing, a closed port says why, our own node answers.
  await peerRow(page, 0).getByTestId('peer-test').click();
  await expect(peerRow(page, 0).getByTestId('peer-test-result')).toContainText('Enter the port');
  const closed = await freePort();
  await peerRow(page, 0).getByTestId('peer-port').fill(String(closed));
  await peerRow(page, 0).getByTestId('peer-test').click();
  await expect(peerRow(page, 0).getByTestId('peer-test-result')).toHaveAttribute('data-ok', 'false');
  await expect(peerRow(page, 0).getByTestId('peer-test-result')).toContainText(`Cannot reach STORESCU at 127.0.0.1:${closed}: the connection was refused`);
  await peerRow(page, 1).getByTestId('peer-test').click();
  await expect(peerRow(page, 1).getByTestId('peer-test-result')).toHaveAttribute('data-ok', 'true');
  await expect(peerRow(page, 1).getByTestId('peer-test-result')).toHaveText(/C-ECHO answered: round trip \d+\.\d ms/);
  await screenshotFromTop(page, 'dicom-node-1280.png');
  await page.setViewportSize({ width: 1600, height: 1000 });
  await screenshotFromTop(page, 'dicom-node-1600.png');
  // The whole screen in one picture: nothing below the fold is cut.
  await page.setViewportSize({ width: 1280, height: 1500 });
  await screenshotFromTop(page, 'dicom-node-1280-full.png');
  await page.setViewportSize({ width: 1280, height: 900 });
  // The port typed for the failed test is not saved yet: the form says so.
  await expect(page.getByTestId('node-save')).toBeEnabled();
  await page.getByTestId('node-discard').click();
  await expect(peerRow(page, 0).getByTestId('peer-port')).toHaveValue('');

  // Back to the list, then a chest CR arrives: it appears without a reload, and is scored.
  await page.getByTestId('nav-worklist').click();
  const dicomRoot = requireSharedData('dicom');
  const first = await storescu({ port }, [path.join(dicomRoot, CHEST_CR)], sharedTransferSyntax(CHEST_CR), ['-v']);
  expect(acknowledgedCount(first), first.stdout + first.stderr).toBe(1);
  await expect(page.getByTestId('worklist-count')).toHaveText(`${tinyModelHost.studies + 1} studies`);
  await expect(page.getByTestId('study-count')).toHaveText(`${tinyModelHost.studies + 1} studies`);
  await expect(page.getByTestId('arrivals-notice-text')).toHaveText('1 new study arrived since you last looked');
  const crRows = page.getByTestId('worklist-row').filter({ has: page.locator('[data-col="modality"]', { hasText: 'CR' }) });
  await expect(crRows).toHaveCount(1);
  await expect(crRows.getByTestId('row-probability')).toHaveText(/^\d+\.\d %$/, { timeout: 60_000 });

  // Three more instances in two new studies, before the reader looked: studies are counted, not images.
  const variants = await writeVariants(path.join(dicomRoot, CHEST_CR), await mkdtemp(path.join(os.tmpdir(), 'cxr-e2e-variants-')), 3, { studies: 2 });
  const second = await storescu({ port }, variants, sharedTransferSyntax(CHEST_CR), ['-v']);
  expect(acknowledgedCount(second), second.stdout + second.stderr).toBe(3);
  await expect(page.getByTestId('worklist-count')).toHaveText(`${tinyModelHost.studies + 3} studies`);
  await expect(page.getByTestId('arrivals-notice-text')).toHaveText('3 new studies arrived since you last looked');
  await expect(crRows).toHaveCount(3);
  for (const probability of await crRows.getByTestId('row-probability').all()) {
    await expect(probability).toHaveText(/^\d+\.\d %$/, { timeout: 60_000 });
  }

  // The reader's view survived: same document, same sort (in the new scores' order), same selection.
  expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  await expect(page.locator('th[aria-sort="descending"]')).toContainText('Prob.');
  const probabilities = await shownProbabilities(page);
  expect(probabilities).toHaveLength(tinyModelHost.studies + 3);
  expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
  await expect(selected).toHaveAttribute('data-study-id', selectedId!);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'worklist-arrivals.png') });

  // Looking clears the notice and selects the first of the new studies.
  await page.getByTestId('arrivals-notice').click();
  await expect(page.getByTestId('arrivals-notice')).toHaveCount(0);
  await expect(selected).toHaveCount(1);
  await expect(selected.locator('[data-col="modality"]')).toContainText('CR');
  await expect(indicator).toHaveAttribute('title', /4 instances received/);
  expect(consoleErrors).toEqual([]);
});
