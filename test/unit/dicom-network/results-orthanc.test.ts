import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestIssues } from '@shared/ipc/request-issues';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { createHandlers } from '../../../src-main/services/api/handlers';
import { createRouter, type Router } from '../../../src-main/services/api/router';
import { freePort, runTool, stopChildren } from '../../support/dicom-tools';
import { writeVariants } from '../../support/dicom-variants';
import { tempDir } from '../../support/fixtures';
import { TestOrthanc } from '../../support/orthanc';
import { requireSharedData } from '../../support/shared-data';
import { writeTinyPneumoniaModel } from '../../support/tiny-pneumonia-model';

/**
 * Results as DICOM against the real archive: chest CRs arrive at the node by storescu, are scored
 * by a tiny real model, and each study's Comprehensive SR is sent to Orthanc by C-STORE through the
 * outbox. Read back from Orthanc, dsrdump shows what the user would check and dciodvfy finds no error.
 */
const dicomRoot = requireSharedData('dicom');
let dataDir: string;
let services: AppServices;
let router: Router;
let orthanc: TestOrthanc;
let nodePort: number;
let versionId: number;

async function until<T>(what: string, check: () => T | Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; outbox: ${JSON.stringify(services.results.list(20))}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function open(): Promise<void> {
  services = openAppServices(dataDir, { startDicomNode: false, results: { retryBaseMs: 200, retryMaxMs: 1_000, sendTimeoutMs: 10_000 } });
  router = createRouter(createHandlers(services, { adapter: 'browser-host', version: 'test' }));
  const update = await router.dispatch('dicomNode.settings.update', { enabled: true, port: nodePort, allowedPeers: [{ aeTitle: 'STORESCU', host: '127.0.0.1' }] });
  expect(update.ok && (update.value as { status: { state: string } }).status.state).toBe('listening');
}

/** Chest CRs (the adult chest of the wg04 set, JPEG 2000) as new studies, sent by storescu. */
let studiesMade = 0;
async function sendStudies(count: number, prefix: string): Promise<void> {
  const files = await writeVariants(path.join(dicomRoot, 'wg04/J2KI__RG1_J2KI.dcm'), await tempDir('cxr-results-src-'), count, { prefix, first: studiesMade });
  studiesMade += count;
  const sent = await runTool('storescu', ['-xw', '-aet', 'STORESCU', '-aec', 'CXRTRIAGE', '127.0.0.1', String(nodePort), ...files]);
  expect(sent.code, sent.stderr).toBe(0);
}

function outboxCounts() {
  return services.results.list(1000).counts;
}

async function dsrdump(bytes: Buffer): Promise<string> {
  const file = path.join(await tempDir('cxr-sr-'), 'sr.dcm');
  await writeFile(file, bytes);
  const dump = await runTool('dsrdump', ['+Pl', '+Pu', file]);
  expect(dump.code, dump.stderr).toBe(0);
  const verify = await runTool('dciodvfy', [file]);
  expect(verify.stdout + verify.stderr).toMatch(/ComprehensiveSR/);
  expect((verify.stdout + verify.stderr).split('\n').filter((line) => line.startsWith('Error'))).toEqual([]);
  return dump.stdout;
}

beforeAll(async () => {
  dataDir = await tempDir('cxr-results-');
  nodePort = await freePort();
  orthanc = await TestOrthanc.create({});
  await open();
  const staging = services.registry.stagingDir();
  await writeTinyPneumoniaModel(staging, { threshold: 0.3, seed: 1 });
  versionId = services.registry.register(staging, 'tiny test model', 'model.trained').id;
  services.models.activate(versionId);
  const saved = await router.dispatch('results.settings.update', { destinations: [{ aeTitle: 'ORTHANC', host: '127.0.0.1', port: orthanc.dicomPort }], autoSend: true, orgUidRoot: '1.2.826.0.1.3680043.10.999' });
  expect(saved.ok, JSON.stringify(saved)).toBe(true);
}, 120_000);

afterAll(async () => {
  await services?.close();
  await stopChildren();
});

describe('results as DICOM, sent to Orthanc', () => {
  it('refuses bad settings field by field', async () => {
    const bad = await router.dispatch('results.settings.update', { orgUidRoot: '1.02.x', destinations: [{ aeTitle: 'ORTHANC', host: 'not a host!', port: 70000 }] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(requestIssues(bad.error.message).map((issue) => issue.field).sort()).toEqual(['destinations.0.host', 'destinations.0.port', 'orgUidRoot']);
    expect(await router.dispatch('results.settings.get', {})).toMatchObject({ ok: true, value: { orgUidRoot: '1.2.826.0.1.3680043.10.999' } });
  });

  it('a scored study arrives in Orthanc as a Comprehensive SR stating the probability, the flag, the threshold and the version', async () => {
    await sendStudies(2, 'first');
    await until('two results sent', () => outboxCounts().sent === 2);
    const reports = await orthanc.structuredReports();
    expect(reports).toHaveLength(2);
    for (const report of reports) {
      const row = services.db
        .prepare(
          `SELECT p.probability, p.verdict, r.sop_instance_uid, r.revision, i.sop_instance_uid AS image_uid FROM dicom_results r
           JOIN images i ON i.study_id = r.study_id JOIN predictions p ON p.image_id = i.id AND p.model_version_id = ?
           JOIN studies s ON s.id = r.study_id WHERE s.study_uid = ?`,
        )
        .get(versionId, report.studyInstanceUid) as { probability: number; verdict: string; sop_instance_uid: string; revision: number; image_uid: string };
      expect(report.sopInstanceUid).toBe(row.sop_instance_uid);
      expect(report.sopInstanceUid.startsWith('1.2.826.0.1.3680043.10.999.')).toBe(true);
      expect(report.stationName).toBe('CXRTRIAGE');
      const dump = await dsrdump(await orthanc.instanceFile(report.id));
      const stated = Number(/"Pneumonia probability \(AI\)"\)="([0-9.]+)"/.exec(dump)?.[1]);
      expect(Math.abs(stated - row.probability)).toBeLessThan(0.00005);
      const flagged = row.probability >= 0.3 ? 'Yes' : 'No';
      expect(dump).toMatch(new RegExp(`"Flagged at threshold"\\)=\\(\\d+,SCT,"${flagged}"\\)`));
      expect(dump).toContain('"Flagging threshold")="0.3" (1,UCUM,"no units")');
      expect(dump).toContain('"Threshold preset")="as trained');
      expect(dump).toContain('"Algorithm Name")="tiny test model"');
      expect(dump).toContain(`"Model version id")="${versionId}"`);
      expect(dump).toContain('"Training data fingerprint")="fixture-1"');
      expect(dump).toContain('"Suitability of the image for the model")=(CXRT-0021,99CXRT,"In scope")');
      expect(dump).toContain('Decision support, not a diagnosis');
      expect(dump).toContain(row.image_uid);
    }
  }, 180_000);

  it('a study the model does not apply to gets an SR that says "not assessed", with the reason and no number', async () => {
    // The wg04 RG3 CR is a tibia (body part EXTREMITY): not a chest radiograph.
    const files = await writeVariants(path.join(dicomRoot, 'wg04/JPLY__RG3_JPLY.dcm'), await tempDir('cxr-results-na-'), 1, { prefix: 'knee' });
    const sent = await runTool('storescu', ['-xx', '-aet', 'STORESCU', '-aec', 'CXRTRIAGE', '127.0.0.1', String(nodePort), ...files]);
    expect(sent.code, sent.stderr).toBe(0);
    await until('the not-applicable result sent', () => outboxCounts().sent === 3);
    const row = services.db.prepare('SELECT r.sop_instance_uid, r.assessed FROM dicom_results r ORDER BY r.id DESC LIMIT 1').get() as { sop_instance_uid: string; assessed: number };
    expect(row.assessed).toBe(0);
    const report = (await orthanc.structuredReports()).find((r) => r.sopInstanceUid === row.sop_instance_uid)!;
    const dump = await dsrdump(await orthanc.instanceFile(report.id));
    expect(dump).toContain('"Not assessed by the AI")="The model does not apply to this image: body part EXTREMITY is not the chest"');
    expect(dump).not.toMatch(/NUM:/);
    expect(dump).not.toContain('probability');
    expect(dump).not.toContain('Flagged');
    expect(dump).not.toContain('threshold');
  }, 120_000);

  it('with Orthanc stopped results queue up and are retried; once it is back all arrive, each once', async () => {
    await orthanc.stop();
    await sendStudies(3, 'outage');
    await until('three results failing and waiting', () => {
      const list = services.results.list(1000);
      return list.entries.filter((e) => e.state === 'pending' && e.attempts >= 2 && /connection was refused/.test(e.lastError ?? '')).length === 3;
    });
    expect(outboxCounts().sent).toBe(3);
    await orthanc.start();
    await until('all six results sent', () => outboxCounts().sent === 6, 30_000);
    const reports = await orthanc.structuredReports();
    expect(reports).toHaveLength(6);
    expect(new Set(reports.map((r) => r.studyInstanceUid)).size).toBe(6);
    expect(services.db.prepare('SELECT COUNT(*) FROM dicom_results').pluck().get()).toBe(6);
  }, 180_000);

  it('a crash between the send and its commit resends the same instance, never a new one', async () => {
    await services.close();
    // What a kill after Orthanc answered and before the outbox row was committed leaves behind.
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dataDir, 'cxr-triage.sqlite'));
    const victim = db.prepare("SELECT o.id, r.sop_instance_uid FROM dicom_outbox o JOIN dicom_results r ON r.id = o.result_id ORDER BY o.id LIMIT 1").get() as { id: number; sop_instance_uid: string };
    db.prepare("UPDATE dicom_outbox SET state = 'sending', sent_at = NULL WHERE id = ?").run(victim.id);
    db.close();
    await open();
    await until('the interrupted send completed', () => services.results.list(1000).entries.find((e) => e.id === victim.id)?.state === 'sent');
    const reports = await orthanc.structuredReports();
    expect(reports).toHaveLength(6);
    expect(reports.filter((r) => r.sopInstanceUid === victim.sop_instance_uid)).toHaveLength(1);
    expect(services.db.prepare('SELECT COUNT(*) FROM dicom_results').pluck().get()).toBe(6);
  }, 120_000);

  it('a threshold change sends new SRs that supersede the earlier ones (Predecessor Documents Sequence)', async () => {
    const changed = await router.dispatch('models.setThreshold', { modelVersionId: versionId, threshold: 0.55, preset: 'manual' });
    expect(changed.ok).toBe(true);
    // The not-applicable study states no threshold: its document does not change.
    await until('five superseding results sent', () => outboxCounts().sent === 11);
    const second = services.db
      .prepare('SELECT r.sop_instance_uid, p.sop_instance_uid AS predecessor FROM dicom_results r JOIN dicom_results p ON p.id = r.predecessor_id WHERE r.revision = 2')
      .all() as { sop_instance_uid: string; predecessor: string }[];
    expect(second).toHaveLength(5);
    const reports = await orthanc.structuredReports();
    expect(reports).toHaveLength(11);
    const report = reports.find((r) => r.sopInstanceUid === second[0]!.sop_instance_uid)!;
    const file = path.join(await tempDir('cxr-sr-'), 'sr.dcm');
    await writeFile(file, await orthanc.instanceFile(report.id));
    const dump = await runTool('dcmdump', ['+P', '0040,a360', '+P', '0008,1155', '+P', '0020,0013', file]);
    expect(dump.stdout).toContain('PredecessorDocumentsSequence');
    expect(dump.stdout).toContain(second[0]!.predecessor);
    const sr = await dsrdump(await orthanc.instanceFile(report.id));
    expect(sr).toContain('"Flagging threshold")="0.55" (1,UCUM,"no units")');
    expect(sr).toContain('"Threshold preset")="manual"');
  }, 120_000);

  it('"Send result to PACS" for a study queues its current document, and says why when it cannot', async () => {
    const studyId = services.db.prepare('SELECT study_id FROM dicom_results ORDER BY id LIMIT 1').pluck().get() as number;
    const sent = await router.dispatch('results.send', { studyId });
    expect(sent).toMatchObject({ ok: true, value: { revision: 2 } });
    const missing = await router.dispatch('results.send', { studyId: 999_999 });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const list = await router.dispatch('results.outbox.list', {});
    expect(list.ok && (list.value as { counts: { failed: number } }).counts.failed).toBe(0);
  }, 60_000);

  it('with secondary captures on, the heatmap picture of each scored image arrives, passes dciodvfy and decodes; none for the study without a score', async () => {
    const saved = await router.dispatch('results.settings.update', { includeSecondaryCapture: true });
    expect(saved.ok).toBe(true);
    const captures = () => services.results.list(1000).entries.filter((e) => e.document === 'sc');
    await until('five secondary captures sent', () => captures().length === 5 && captures().every((e) => e.state === 'sent'), 120_000);
    const notAssessed = services.db.prepare("SELECT study_id FROM dicom_results WHERE kind = 'sr' AND assessed = 0").pluck().all() as number[];
    expect(notAssessed).toHaveLength(1);
    expect(services.db.prepare("SELECT COUNT(*) FROM dicom_results WHERE kind = 'sc' AND study_id = ?").pluck().get(notAssessed[0])).toBe(0);

    const ids = await orthanc.post<string[]>('/tools/find', JSON.stringify({ Level: 'Instance', Query: { SOPClassUID: '1.2.840.10008.5.1.4.1.1.7' } }));
    expect(ids).toHaveLength(5);
    const file = path.join(await tempDir('cxr-sc-'), 'sc.dcm');
    await writeFile(file, await orthanc.instanceFile(ids[0]!));
    const verify = await runTool('dciodvfy', [file]);
    expect(verify.stdout + verify.stderr).toMatch(/SCImage/);
    expect((verify.stdout + verify.stderr).split('\n').filter((line) => line.startsWith('Error'))).toEqual([]);
    const tags = await runTool('dcmdump', ['+P', '0028,0010', '+P', '0028,0011', '+P', '0028,0301', '+P', '0008,2111', file]);
    expect(tags.stdout).toContain('BurnedInAnnotation');
    expect(tags.stdout).toContain('[YES]');
    const png = `${file}.png`;
    const decoded = await runTool('dcm2pnm', ['--write-png', file, png]);
    expect(decoded.code, decoded.stderr).toBe(0);
    // Orthanc decodes it too: its preview is a PNG of the picture.
    const preview = await orthanc.request('GET', `/instances/${ids[0]}/preview`);
    expect(preview.headers.get('content-type')).toBe('image/png');
    expect((await preview.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
  }, 180_000);
});
