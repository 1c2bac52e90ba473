import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as DimseModule from 'dcmjs-dimse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
 * A destination that refuses the result, not one that is away: it answers the C-STORE with a DICOM
 * failure status, or rejects the association for good. Either way the queue entry is `failed` with
 * the reason, is not tried again on its own, and goes through on "retry" once the destination accepts.
 *
 * Which real peers give which refusal (Orthanc 1.10.1, dcmtk 3.6.7, tried by hand):
 * - Orthanc with `DicomAlwaysAllowStore: false` and a calling AE it does not know rejects the
 *   association (permanent, calling AE not recognised): tested below against Orthanc.
 * - Orthanc knowing the AE with `AllowStore: false` (and `DicomAlwaysAllowStore: false`) aborts the
 *   association after the C-STORE-RQ, with no status: tested below (it used to hang until the timeout).
 * - Orthanc's Lua `ReceivedInstanceFilter` returning false answers Success and drops the instance.
 * - dcmtk's storescp has no option that answers a failure status (only --refuse/--reject of the
 *   association, --abort-after/--abort-during); an unwritable output folder gives A700, out of
 *   resources, which is transient and retried by design.
 * So the DIMSE failure status comes from a C-STORE SCP of our own on dcmjs-dimse, answering A900
 * (data set does not match SOP class) until it is told to accept.
 */
const dimse = createRequire(import.meta.url)('dcmjs-dimse') as typeof DimseModule;
dimse.log.setLevel('silent');
const { Server, Scp } = dimse;
const { CStoreResponse } = dimse.responses;
const { PresentationContextResult } = dimse.constants;

const refuser = { status: 0xa900, received: [] as string[] };

class RefusingScp extends Scp {
  override associationRequested(association: DimseModule.association.Association): void {
    for (const { id } of association.getPresentationContexts()) {
      const context = association.getPresentationContext(id);
      context.setResult(PresentationContextResult.Accept, context.getTransferSyntaxUids()[0]);
    }
    this.sendAssociationAccept();
  }

  override associationReleaseRequested(): void {
    this.sendAssociationReleaseResponse();
  }

  override cStoreRequest(request: DimseModule.requests.CStoreRequest, callback: (response: DimseModule.responses.CStoreResponse) => void): void {
    refuser.received.push(request.getAffectedSopInstanceUid());
    const response = CStoreResponse.fromRequest(request);
    response.setStatus(refuser.status);
    callback(response);
  }
}

const dicomRoot = requireSharedData('dicom');
let services: AppServices;
let router: Router;
let nodePort: number;
let refuserPort: number;
let server: DimseModule.Server;
let studiesMade = 0;

async function until<T>(what: string, check: () => T | Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; outbox: ${JSON.stringify(services.results.list(20))}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One new chest CR study sent to the node by storescu; resolves with its study id once it is in the database. */
async function sendStudy(): Promise<{ studyId: number; studyUid: string }> {
  const [file] = await writeVariants(path.join(dicomRoot, 'wg04/J2KI__RG1_J2KI.dcm'), await tempDir('cxr-refused-src-'), 1, { prefix: 'refused', first: studiesMade++ });
  const studyUid = /\[([0-9.]+)\]/.exec((await runTool('dcmdump', ['+P', '0020,000d', file!])).stdout)![1]!;
  const sent = await runTool('storescu', ['-xw', '-aet', 'STORESCU', '-aec', 'CXRTRIAGE', '127.0.0.1', String(nodePort), file!]);
  expect(sent.code, sent.stderr).toBe(0);
  const studyId = (await until('the study in the database', () => (services.db.prepare('SELECT id FROM studies WHERE study_uid = ?').get(studyUid) as { id: number } | undefined)?.id))!;
  return { studyId, studyUid };
}

function entryOf(studyId: number) {
  return services.results.list(1000).entries.find((e) => e.studyId === studyId && e.document === 'sr');
}

beforeAll(async () => {
  nodePort = await freePort();
  refuserPort = await freePort();
  server = new Server(RefusingScp);
  server.listen(refuserPort);
  services = openAppServices(await tempDir('cxr-refused-'), { startDicomNode: false, results: { retryBaseMs: 200, retryMaxMs: 1_000, sendTimeoutMs: 10_000 } });
  router = createRouter(createHandlers(services, { adapter: 'browser-host', version: 'test' }));
  const update = await router.dispatch('dicomNode.settings.update', { enabled: true, port: nodePort, allowedPeers: [{ aeTitle: 'STORESCU', host: '127.0.0.1' }] });
  expect(update.ok && (update.value as { status: { state: string } }).status.state).toBe('listening');
  const staging = services.registry.stagingDir();
  await writeTinyPneumoniaModel(staging, { threshold: 0.3, seed: 1 });
  services.models.activate(services.registry.register(staging, 'tiny test model', 'model.trained').id);
}, 120_000);

afterAll(async () => {
  await services?.close();
  server?.close();
  await stopChildren();
});

describe('a destination that refuses the result', () => {
  it('a DICOM failure status: failed with the status and the reason, not retried on its own, sent on retry once accepted', async () => {
    const saved = await router.dispatch('results.settings.update', { destinations: [{ aeTitle: 'REFUSER', host: '127.0.0.1', port: refuserPort }], autoSend: true });
    expect(saved.ok, JSON.stringify(saved)).toBe(true);
    const { studyId } = await sendStudy();
    const failed = await until('the refused result failed', () => (entryOf(studyId)?.state === 'failed' ? entryOf(studyId) : undefined));
    expect(failed).toMatchObject({ state: 'failed', dicomStatus: 'a900', attempts: 1, lastError: 'REFUSER refused the document with status a900', destination: `REFUSER@127.0.0.1:${refuserPort}` });
    expect(refuser.received).toHaveLength(1);
    // The back-off would have tried several times by now (200 ms, 400 ms, 800 ms ...): a refusal is not retried.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(entryOf(studyId)).toMatchObject({ state: 'failed', attempts: 1, dicomStatus: 'a900' });
    expect(refuser.received).toHaveLength(1);
    expect(services.results.list(1000).counts).toMatchObject({ failed: 1, sent: 0 });

    // The destination now accepts; "Retry now" sends the same document (same SOP Instance UID).
    refuser.status = 0x0000;
    const retried = await router.dispatch('results.outbox.retry', { id: failed!.id });
    expect(retried).toMatchObject({ ok: true, value: { retried: 1 } });
    await until('the retried result sent', () => entryOf(studyId)?.state === 'sent');
    expect(entryOf(studyId)).toMatchObject({ state: 'sent', dicomStatus: '0000', attempts: 2 });
    expect(refuser.received).toHaveLength(2);
    expect(refuser.received[1]).toBe(refuser.received[0]);
  }, 120_000);

  it('Orthanc that does not know this node (DicomAlwaysAllowStore false): a permanent association rejection fails, not retried, sent on retry once Orthanc knows the node', async () => {
    const orthanc = await TestOrthanc.create({});
    try {
      const configure = async (extra: Record<string, unknown>) => {
        await orthanc.stop();
        await writeFile(orthanc.config, JSON.stringify({ ...JSON.parse(await readFile(orthanc.config, 'utf8')), ...extra }));
        await orthanc.start();
      };
      await configure({ DicomAlwaysAllowStore: false, DicomAlwaysAllowEcho: false });
      const saved = await router.dispatch('results.settings.update', { destinations: [{ aeTitle: 'ORTHANC', host: '127.0.0.1', port: orthanc.dicomPort }], autoSend: true });
      expect(saved.ok, JSON.stringify(saved)).toBe(true);
      const { studyId, studyUid } = await sendStudy();
      const failed = await until('the rejected result failed', () => (entryOf(studyId)?.state === 'failed' ? entryOf(studyId) : undefined));
      expect(failed).toMatchObject({
        state: 'failed',
        dicomStatus: null,
        attempts: 1,
        lastError: `ORTHANC at 127.0.0.1:${orthanc.dicomPort} refused the association: it does not know this node's AE title CXRTRIAGE`,
      });
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(entryOf(studyId)).toMatchObject({ state: 'failed', attempts: 1 });
      expect(await orthanc.structuredReports()).toEqual([]);

      // Orthanc is told about the node; retry sends it.
      await configure({ DicomModalities: { cxr: ['CXRTRIAGE', '127.0.0.1', nodePort] } });
      expect(await router.dispatch('results.outbox.retry', { id: failed!.id })).toMatchObject({ ok: true, value: { retried: 1 } });
      await until('the retried result sent', () => entryOf(studyId)?.state === 'sent');
      expect(entryOf(studyId)).toMatchObject({ state: 'sent', dicomStatus: '0000', attempts: 2 });
      const reports = await orthanc.structuredReports();
      expect(reports.map((r) => r.studyInstanceUid)).toEqual([studyUid]);
    } finally {
      await orthanc.stop();
    }
  }, 120_000);
  it('Orthanc that knows this node but may not take its stores aborts the association: failed with the reason at once, not after a timeout, and not retried', async () => {
    const orthanc = await TestOrthanc.create({});
    try {
      await orthanc.stop();
      const config = JSON.parse(await readFile(orthanc.config, 'utf8')) as Record<string, unknown>;
      const modality = (allowStore: boolean) => ({ cxr: { AET: 'CXRTRIAGE', Host: '127.0.0.1', Port: nodePort, AllowStore: allowStore } });
      await writeFile(orthanc.config, JSON.stringify({ ...config, DicomAlwaysAllowStore: false, DicomModalities: modality(false) }));
      await orthanc.start();
      const saved = await router.dispatch('results.settings.update', { destinations: [{ aeTitle: 'ORTHANC', host: '127.0.0.1', port: orthanc.dicomPort }], autoSend: true });
      expect(saved.ok, JSON.stringify(saved)).toBe(true);
      const { studyId, studyUid } = await sendStudy();
      // Well within the 10 s send timeout: the abort itself ends the send.
      const failed = await until('the aborted result failed', () => (entryOf(studyId)?.state === 'failed' ? entryOf(studyId) : undefined), 8_000);
      expect(failed).toMatchObject({
        state: 'failed',
        dicomStatus: null,
        attempts: 1,
        lastError: `ORTHANC at 127.0.0.1:${orthanc.dicomPort} aborted the association without answering (it may not accept stores from CXRTRIAGE)`,
      });
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(entryOf(studyId)).toMatchObject({ state: 'failed', attempts: 1 });

      await orthanc.stop();
      await writeFile(orthanc.config, JSON.stringify({ ...config, DicomAlwaysAllowStore: false, DicomModalities: modality(true) }));
      await orthanc.start();
      expect(await router.dispatch('results.outbox.retry', { id: failed!.id })).toMatchObject({ ok: true, value: { retried: 1 } });
      await until('the retried result sent', () => entryOf(studyId)?.state === 'sent');
      expect((await orthanc.structuredReports()).map((r) => r.studyInstanceUid)).toEqual([studyUid]);
    } finally {
      await orthanc.stop();
    }
  }, 120_000);
});
