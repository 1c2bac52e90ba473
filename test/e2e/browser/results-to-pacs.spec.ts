import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { freePort, runTool, stopChildren } from '../../support/dicom-tools';
import { writeVariants } from '../../support/dicom-variants';
import { tempDir } from '../../support/fixtures';
import { TestOrthanc } from '../../support/orthanc';
import { requireSharedData } from '../../support/shared-data';
import { acknowledgedCount, sharedTransferSyntax, storescu } from '../../support/storescu';
import { expect, test } from '../support/tiny-model-host';

const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../test-results/screenshots');
/** The real chest CR of the shared corpus (wg04 RG1: CR, CHEST, PA; JPEG 2000). */
const CHEST_CR = 'wg04/J2KI__RG1_J2KI.dcm';

test.afterEach(stopChildren);

async function studyUidOf(file: string): Promise<string> {
  const dump = await runTool('dcmdump', ['+P', '0020,000d', file]);
  const uid = /\[([0-9.]+)\]/.exec(dump.stdout)?.[1];
  if (!uid) throw new Error(`no Study Instance UID in ${path.basename(file)}: ${dump.stderr}`);
  return uid;
}

/** One new chest study sent to the node by storescu; resolves with the worklist row it became, once scored. */
async function arrives(page: Page, nodePort: number, file: string, known: string[]): Promise<{ row: Locator; studyId: string }> {
  const sent = await storescu({ port: nodePort }, [file], sharedTransferSyntax(CHEST_CR), ['-v']);
  expect(acknowledgedCount(sent), sent.stdout + sent.stderr).toBe(1);
  const crRows = page.getByTestId('worklist-row').filter({ has: page.locator('[data-col="modality"]', { hasText: 'CR' }) });
  await expect(crRows).toHaveCount(known.length + 1);
  for (const row of await crRows.all()) {
    const studyId = (await row.getAttribute('data-study-id'))!;
    if (known.includes(studyId)) continue;
    await expect(row.getByTestId('row-probability')).toHaveText(/^\d+\.\d %$/, { timeout: 60_000 });
    return { row, studyId };
  }
  throw new Error('the new study is not in the worklist');
}

function outboxRow(page: Page, studyId: string): Locator {
  return page.getByTestId('result-outbox-row').filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${studyId}$`) }) });
}

/** The outbox row's cells as the user reads them. */
async function cells(row: Locator): Promise<{ state: string; tries: string; status: string; detail: string }> {
  const [, , , state, tries, status, detail] = (await row.locator('td').allTextContents()).map((t) => t.trim());
  return { state: state!, tries: tries!, status: status!, detail: detail! };
}

test('Results to PACS: a destination set up on the DICOM node screen, a scored study sent from the viewer, an outage waited out and retried', async ({ page, tinyModelHost }) => {
  test.setTimeout(300_000);
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) consoleErrors.push(`${message.text()} ${message.location().url}`);
  });
  const orthanc = await TestOrthanc.create({});
  try {
    const [firstFile, secondFile] = await writeVariants(path.join(requireSharedData('dicom'), CHEST_CR), await tempDir('cxr-e2e-results-'), 2, { prefix: 'results' });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(tinyModelHost.url);
    await expect(page.getByTestId('worklist-count')).toHaveText(`${tinyModelHost.studies} studies`);

    // The node listens for the sender.
    await page.getByTestId('dicom-node-indicator').click();
    const nodePort = await freePort();
    await page.getByTestId('node-port').fill(String(nodePort));
    await page.getByTestId('peers-add').click();
    await page.getByTestId('peer-row').last().getByTestId('peer-ae-title').fill('STORESCU');
    await page.getByTestId('peer-row').last().getByTestId('peer-host').fill('127.0.0.1');
    await page.getByTestId('node-enabled').check();
    await page.getByTestId('node-save').click();
    await expect(page.getByTestId('node-status-text')).toHaveText(`Listening on 127.0.0.1:${nodePort} as CXRTRIAGE`);

    // Results to the archive: nothing configured, nothing sent yet. A bad AE title and port are refused beside their fields.
    const settings = page.getByTestId('result-settings');
    await expect(settings.getByRole('heading', { name: 'Results to the archive' })).toBeVisible();
    await expect(page.getByTestId('result-destination')).toHaveCount(0);
    await expect(page.getByTestId('result-auto-send')).not.toBeChecked();
    await expect(page.getByTestId('result-outbox')).toContainText('Nothing sent yet.');
    await page.getByTestId('result-destination-add').click();
    await page.getByTestId('result-destination-ae').fill('ORTHANC_ARCHIVE_MAIN');
    await page.getByTestId('result-destination-host').fill('127.0.0.1');
    await page.getByTestId('result-destination-port').fill('70000');
    await page.getByTestId('result-settings-save').click();
    await expect(page.getByTestId('result-destination-ae-error')).toHaveText('an AE title has at most 16 characters');
    await expect(page.getByTestId('result-destination-port-error')).toHaveText('a port is a whole number from 1 to 65535');
    await expect(page.getByTestId('result-destination-host-error')).toHaveCount(0);
    await expect(page.getByTestId('result-settings-note')).toHaveText('Some fields need correcting before the settings can be saved.');
    // The errors grow their fields downwards; the inputs and the Remove button stay on one line.
    const tops = await Promise.all(
      ['result-destination-ae', 'result-destination-host', 'result-destination-port'].map(async (id) => (await page.getByTestId(id).boundingBox())!.y),
    );
    const input = (await page.getByTestId('result-destination-ae').boundingBox())!;
    const remove = (await page.getByTestId('result-destination').getByRole('button', { name: 'Remove' }).boundingBox())!;
    for (const top of tops) expect(Math.abs(top - tops[0]!)).toBeLessThanOrEqual(1);
    expect(Math.abs(remove.y + remove.height / 2 - (input.y + input.height / 2))).toBeLessThanOrEqual(2);
    await settings.screenshot({ path: path.join(SCREENSHOTS, 'result-settings-errors.png') });
    // Corrected: saved, and the errors are gone.
    await page.getByTestId('result-destination-ae').fill('ORTHANC');
    await page.getByTestId('result-destination-port').fill(String(orthanc.dicomPort));
    await page.getByTestId('result-settings-save').click();
    await expect(page.getByTestId('result-settings-note')).toHaveText('Saved.');
    await expect(page.getByTestId('result-destination-ae-error')).toHaveCount(0);
    await expect(page.getByTestId('result-destination-port-error')).toHaveCount(0);
    // What was saved is what the screen shows after a reload.
    await page.reload();
    await page.getByTestId('dicom-node-indicator').click();
    await expect(page.getByTestId('result-destination-ae')).toHaveValue('ORTHANC');
    await expect(page.getByTestId('result-destination-host')).toHaveValue('127.0.0.1');
    await expect(page.getByTestId('result-destination-port')).toHaveValue(String(orthanc.dicomPort));

    // A chest CR arrives over DICOM and is scored; with auto-send off nothing goes until the reader asks.
    await page.getByTestId('nav-worklist').click();
    const first = await arrives(page, nodePort, firstFile!, []);
    await first.row.click();
    await expect(page.getByTestId('viewer-canvas')).toBeVisible();
    expect(await orthanc.structuredReports()).toEqual([]);
    await page.getByTestId('send-result').click();
    await expect(page.getByTestId('send-result-outcome')).toHaveText('Result 1 queued for 1 destination.');

    // The outbound queue: sent, with the archive's Success status; Orthanc holds the SR in that study.
    await page.getByTestId('dicom-node-indicator').click();
    const firstEntry = outboxRow(page, first.studyId);
    await expect(firstEntry).toHaveAttribute('data-state', 'sent', { timeout: 30_000 });
    expect(await cells(firstEntry)).toMatchObject({ state: 'Sent', tries: '1', status: '0000' });
    await expect(firstEntry).toContainText('Report 1');
    await expect(firstEntry).toContainText(`ORTHANC@127.0.0.1:${orthanc.dicomPort}`);
    await expect(page.getByTestId('result-outbox-counts')).toHaveText('0 pending · 1 sent · 0 failed');
    await expect(firstEntry.getByTestId('result-retry')).toHaveCount(0);
    const firstUid = await studyUidOf(firstFile!);
    const afterFirst = await orthanc.structuredReports();
    expect(afterFirst.map((r) => [r.studyInstanceUid, r.stationName])).toEqual([[firstUid, 'CXRTRIAGE']]);

    // The archive goes down; another study arrives and the reader sends its result.
    await orthanc.stop();
    await page.getByTestId('nav-worklist').click();
    const second = await arrives(page, nodePort, secondFile!, [first.studyId]);
    await second.row.click();
    await expect(page.getByTestId('viewer-canvas')).toBeVisible();
    await page.getByTestId('send-result').click();
    await expect(page.getByTestId('send-result-outcome')).toHaveText('Result 1 queued for 1 destination.');

    // It waits in the queue, with the reason and the next try; the back-off spaces the tries out.
    await page.getByTestId('dicom-node-indicator').click();
    const secondEntry = outboxRow(page, second.studyId);
    await expect(secondEntry).toHaveAttribute('data-state', 'pending');
    await expect(secondEntry).toContainText(`cannot reach ORTHANC at 127.0.0.1:${orthanc.dicomPort}: the connection was refused (nothing listens on that port)`);
    await expect(secondEntry).toContainText('next try');
    await expect(page.getByTestId('result-outbox-counts')).toHaveText('1 pending · 1 sent · 0 failed');
    // Tries at 5 s and then 10 s: the next one is 20 s away, time enough to bring the archive back and press Retry now.
    await expect(secondEntry.locator('td').nth(4)).toHaveText('3', { timeout: 60_000 });
    expect((await cells(secondEntry)).status).toBe('—');
    await page.getByTestId('result-outbox').screenshot({ path: path.join(SCREENSHOTS, 'result-outbox-waiting.png') });

    await orthanc.start();
    await secondEntry.getByTestId('result-retry').click();
    await expect(secondEntry).toHaveAttribute('data-state', 'sent', { timeout: 15_000 });
    expect(await cells(secondEntry)).toMatchObject({ state: 'Sent', tries: '4', status: '0000' });
    await expect(page.getByTestId('result-outbox-counts')).toHaveText('0 pending · 2 sent · 0 failed');
    await expect(page.getByTestId('result-retry-all')).toBeDisabled();
    await page.getByTestId('result-outbox').screenshot({ path: path.join(SCREENSHOTS, 'result-outbox-sent.png') });

    // Orthanc kept what it held and now has one SR per study, each in its study.
    const secondUid = await studyUidOf(secondFile!);
    const reports = await orthanc.structuredReports();
    expect(reports.map((r) => r.studyInstanceUid).sort()).toEqual([firstUid, secondUid].sort());
    expect(reports.find((r) => r.studyInstanceUid === firstUid)!.sopInstanceUid).toBe(afterFirst[0]!.sopInstanceUid);
    expect(consoleErrors).toEqual([]);
  } finally {
    await orthanc.stop();
  }
});
