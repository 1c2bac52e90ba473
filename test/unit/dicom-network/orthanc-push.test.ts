import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { createHandlers } from '../../../src-main/services/api/handlers';
import { createRouter, type Router } from '../../../src-main/services/api/router';
import { freePort, startChild, stopChildren } from '../../support/dicom-tools';
import { writeVariants } from '../../support/dicom-variants';
import { tempDir } from '../../support/fixtures';
import { requireSharedData } from '../../support/shared-data';

/**
 * Orthanc (the archive a department would route from) configured with the node as a modality:
 * a study uploaded to Orthanc is pushed with its REST API and lands in the worklist; the node's
 * C-ECHO reaches Orthanc through the contract.
 */
let services: AppServices;
let router: Router;
let orthancHttp: string;
let orthancDicomPort: number;
let nodePort: number;
const dicomRoot = requireSharedData('dicom');

async function orthanc(method: string, route: string, body?: Buffer | string): Promise<unknown> {
  const response = await fetch(`${orthancHttp}${route}`, { method, body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body) });
  if (!response.ok) throw new Error(`Orthanc ${method} ${route}: ${response.status} ${await response.text()}`);
  return response.json();
}

beforeAll(async () => {
  services = openAppServices(await tempDir('cxr-orthanc-node-'), { startDicomNode: false });
  router = createRouter(createHandlers(services, { adapter: 'browser-host', version: 'test' }));
  nodePort = await freePort();
  const httpPort = await freePort();
  orthancDicomPort = await freePort();
  orthancHttp = `http://127.0.0.1:${httpPort}`;
  const update = await router.dispatch('dicomNode.settings.update', {
    enabled: true,
    port: nodePort,
    allowedPeers: [{ aeTitle: 'ORTHANC', host: '127.0.0.1' }],
  });
  expect(update.ok && (update.value as { status: { state: string } }).status.state).toBe('listening');

  const dir = await tempDir('cxr-orthanc-');
  const config = path.join(dir, 'orthanc.json');
  await writeFile(
    config,
    JSON.stringify({
      Name: 'cxr-test',
      HttpPort: httpPort,
      DicomPort: orthancDicomPort,
      DicomAet: 'ORTHANC',
      StorageDirectory: path.join(dir, 'storage'),
      IndexDirectory: path.join(dir, 'index'),
      RemoteAccessAllowed: false,
      AuthenticationEnabled: false,
      SaveJobs: false,
      Plugins: [],
      DicomModalities: { triage: ['CXRTRIAGE', '127.0.0.1', nodePort] },
    }),
  );
  startChild('/usr/sbin/Orthanc', [config]);
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      await orthanc('GET', '/system');
      break;
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}, 60_000);

afterAll(async () => {
  await stopChildren();
  await services.close();
});

describe('Orthanc pushes to the node', () => {
  it('echoes Orthanc from the node (dicomNode.echo), and says why an echo to a closed port fails', async () => {
    const echo = await router.dispatch('dicomNode.echo', { peer: { aeTitle: 'ORTHANC', host: '127.0.0.1', port: orthancDicomPort } });
    expect(echo.ok, JSON.stringify(echo)).toBe(true);
    if (echo.ok) expect((echo.value as { roundTripMs: number }).roundTripMs).toBeGreaterThan(0);
    const closed = await router.dispatch('dicomNode.echo', { peer: { aeTitle: 'NOBODY', host: '127.0.0.1', port: await freePort() } });
    expect(closed).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    if (!closed.ok) expect(closed.error.message).toMatch(/refused/);
  });

  it('Orthanc echoes the node', async () => {
    await orthanc('POST', '/modalities/triage/echo', '{}');
  });

  it('a study uploaded to Orthanc and pushed with POST /modalities/triage/store lands in one study', async () => {
    const files = await writeVariants(path.join(dicomRoot, 'wg04/J2KI__RG3_J2KI.dcm'), await tempDir('cxr-orthanc-src-'), 3, { studies: 1 });
    let studyId = '';
    for (const file of files) {
      const uploaded = (await orthanc('POST', '/instances', await readFile(file))) as { ParentStudy: string };
      studyId = uploaded.ParentStudy;
    }
    const arrived = new Promise<number[]>((resolve) =>
      services.jobs.onEvent((event) => {
        if (event.name === 'studies.arrived') resolve(event.payload.studyIds);
      }),
    );
    await orthanc('POST', '/modalities/triage/store', studyId);
    await services.dicomNode.imported();
    expect(services.db.prepare('SELECT COUNT(*) FROM images').pluck().get()).toBe(3);
    expect(services.db.prepare('SELECT COUNT(DISTINCT study_id) FROM images').pluck().get()).toBe(1);
    expect(await arrived).toHaveLength(1);
    const orthancEntry = () => services.audit.recent(10, { action: 'dicom.association' }).find((e) => (e.details as { callingAeTitle: string }).callingAeTitle === 'ORTHANC');
    // The association's entry is written once its instances are imported, a moment after the answer.
    for (let i = 0; i < 100 && !orthancEntry(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(orthancEntry()?.details).toMatchObject({ added: 3, outcome: 'released', host: '127.0.0.1' });
    // Pushed again (an operator's retry): answered with success, nothing recorded twice.
    await orthanc('POST', '/modalities/triage/store', studyId);
    await services.dicomNode.imported();
    expect(services.db.prepare('SELECT COUNT(*) FROM images').pluck().get()).toBe(3);
  });
});
