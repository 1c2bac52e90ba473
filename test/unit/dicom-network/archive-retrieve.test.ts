import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetrieveProgress, StudyMatch } from '@shared/ipc/archive-contract';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { createHandlers } from '../../../src-main/services/api/handlers';
import { createRouter, type Router } from '../../../src-main/services/api/router';
import { freePort, stopChildren } from '../../support/dicom-tools';
import { writeVariants } from '../../support/dicom-variants';
import { tempDir } from '../../support/fixtures';
import { startOrthanc, type OrthancServer } from '../../support/orthanc';
import { requireSharedData } from '../../support/shared-data';
import { writeTinyPneumoniaModel } from '../../support/tiny-pneumonia-model';
import { ArchivePoller } from '../../../src-main/services/dicom-network/archive-poller';

/**
 * Query/retrieve against the real thing: Orthanc 1.10 with its DICOMweb plugin on 127.0.0.1, the
 * app's node listening on a free port. C-FIND and QIDO-RS find the studies; C-MOVE, C-GET and
 * WADO-RS retrieve them into the worklist, imported and scored once however often they are fetched.
 */
const dicomRoot = requireSharedData('dicom');
let services: AppServices;
let router: Router;
let orthanc: OrthancServer;
let versionId: number;
/** Five small studies of three CRs each (RG3; the fifth is left for the poll), and two studies of 30 instances for the cancels (RG2, RG1). */
let small: StudyMatch[];
let bigWeb: string;
let bigGet: string;

const images = () => services.db.prepare('SELECT COUNT(*) FROM images').pluck().get() as number;
const imagesOf = (uid: string) => services.db.prepare('SELECT COUNT(*) FROM images i JOIN studies s ON s.id = i.study_id WHERE s.study_uid = ?').pluck().get(uid) as number;
const spoolRows = () => services.db.prepare('SELECT COUNT(*) FROM dicom_spool').pluck().get() as number;

async function call<T>(channel: Parameters<Router['dispatch']>[0], request: unknown): Promise<T> {
  const result = await router.dispatch(channel, request);
  if (!result.ok) throw new Error(result.error.message);
  return result.value as T;
}

async function settingsWith(archives: unknown[]): Promise<void> {
  await call('archive.settings.update', { archives });
}

beforeAll(async () => {
  services = openAppServices(await tempDir('cxr-retrieve-'), { startDicomNode: false });
  router = createRouter(createHandlers(services, { adapter: 'browser-host', version: 'test' }));
  const staging = services.registry.stagingDir();
  await writeTinyPneumoniaModel(staging, { threshold: 0.3, seed: 1 });
  versionId = services.registry.register(staging, 'tiny test model', 'model.trained').id;
  services.models.activate(versionId);
  const nodePort = await freePort();
  // No allowed senders: the archive retrieved from by C-MOVE is let in because it is configured as one.
  await call('dicomNode.settings.update', { enabled: true, port: nodePort, allowedPeers: [] });
  orthanc = await startOrthanc({ triage: ['CXRTRIAGE', '127.0.0.1', nodePort] });
  const source = await tempDir('cxr-retrieve-src-');
  await orthanc.upload(await writeVariants(path.join(dicomRoot, 'wg04/J2KI__RG3_J2KI.dcm'), path.join(source, 'small'), 15, { studies: 5 }));
  await orthanc.upload(await writeVariants(path.join(dicomRoot, 'wg04/J2KI__RG2_J2KI.dcm'), path.join(source, 'web'), 30, { studies: 1 }));
  await orthanc.upload(await writeVariants(path.join(dicomRoot, 'wg04/J2KI__RG1_J2KI.dcm'), path.join(source, 'get'), 30, { studies: 1 }));
  await settingsWith([
    { kind: 'dimse', name: 'orthanc-move', aeTitle: 'ORTHANC', host: '127.0.0.1', port: orthanc.dicomPort, retrieve: 'c-move' },
    { kind: 'dimse', name: 'orthanc-get', aeTitle: 'ORTHANC', host: '127.0.0.1', port: orthanc.dicomPort, retrieve: 'c-get' },
    { kind: 'dicomweb', name: 'orthanc-web', baseUrl: `${orthanc.dicomWeb}/` },
  ]);
}, 180_000);

afterAll(async () => {
  await stopChildren();
  await services?.close();
});

async function retrieve(archive: string, uids: string[], onProgress?: (p: RetrieveProgress) => void, signal?: AbortSignal): Promise<RetrieveProgress> {
  const result = await services.archives.retrieve(archive, uids, { onProgress, signal });
  await services.dicomNode.imported();
  return result;
}

/** Every image scored by the active version exactly once (the scoring runs behind the import). */
async function expectScoredOnce(): Promise<void> {
  const scored = () => services.db.prepare('SELECT COUNT(*) FROM predictions WHERE model_version_id = ?').pluck().get(versionId) as number;
  for (let i = 0; i < 600 && scored() < images(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(scored()).toBe(images());
  expect(services.db.prepare('SELECT COUNT(DISTINCT image_id) FROM predictions WHERE model_version_id = ?').pluck().get(versionId)).toBe(images());
}

describe('query', () => {
  it('C-FIND and QIDO-RS find the same chest studies, with patient and study facts', async () => {
    const byFind = await call<{ studies: StudyMatch[]; truncated: boolean }>('archive.query', { archive: 'orthanc-move', modalities: ['CR', 'DX'] });
    const byQido = await call<{ studies: StudyMatch[]; truncated: boolean }>('archive.query', { archive: 'orthanc-web', modalities: ['CR'] });
    expect(byFind.studies).toHaveLength(7);
    expect(byFind.truncated).toBe(false);
    const sort = (list: StudyMatch[]) => [...list].sort((a, b) => a.studyInstanceUid.localeCompare(b.studyInstanceUid));
    expect(sort(byQido.studies)).toEqual(sort(byFind.studies));
    small = byFind.studies.filter((study) => study.instances === 3);
    expect(small).toHaveLength(5);
    expect(small[0]).toMatchObject({ patientId: '11RG3', patientName: 'CompressedSamples RG3', studyDate: '2004-08-26', accessionNumber: 'FUJI95706', modalities: ['CR'], alreadyHere: false });
    const big = byFind.studies.filter((study) => study.instances === 30);
    bigWeb = big.find((study) => study.patientId === '10RG2')!.studyInstanceUid;
    bigGet = big.find((study) => study.patientId === '9RG1')!.studyInstanceUid;
  });

  it('filters by date range, patient ID, name, accession number and modality, by C-FIND and by QIDO-RS', async () => {
    for (const archive of ['orthanc-move', 'orthanc-web']) {
      const count = async (filters: object) => (await call<{ studies: StudyMatch[] }>('archive.query', { archive, ...filters })).studies.length;
      expect(await count({ dateFrom: '2004-08-26', dateTo: '2004-08-26', patientId: '11RG3' })).toBe(5);
      expect(await count({ dateFrom: '2004-08-27' })).toBe(0);
      expect(await count({ dateTo: '2004-08-25' })).toBe(0);
      expect(await count({ patientName: '*RG2' })).toBe(1);
      expect(await count({ patientName: 'Compressed*' })).toBe(7);
      expect(await count({ accessionNumber: 'NOSUCH' })).toBe(0);
      expect(await count({ modalities: ['DX'] })).toBe(0);
    }
  });

  it('refuses bad filters with the field named', async () => {
    const bad = await router.dispatch('archive.query', { archive: 'orthanc-web', dateFrom: '26/08/2004' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toMatch(/dateFrom: expected a date as YYYY-MM-DD/);
    const reversed = await router.dispatch('archive.query', { archive: 'orthanc-web', dateFrom: '2004-08-27', dateTo: '2004-08-26' });
    if (!reversed.ok) expect(reversed.error.message).toMatch(/dateTo: the end date is before the start date/);
    expect(reversed.ok).toBe(false);
    const unknown = await router.dispatch('archive.query', { archive: 'nowhere' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});

describe('retrieve', () => {
  it('by C-MOVE: the study lands in the worklist through the listener, imported and scored once; again, nothing is added', async () => {
    const uid = small[0]!.studyInstanceUid;
    const states: string[] = [];
    const first = await retrieve('orthanc-move', [uid], (p) => states.push(p.studies[0]!.state));
    expect(first.studies[0]).toMatchObject({ state: 'done', received: 3, total: 3, added: 3, alreadyStored: 0, error: null });
    expect(states).toContain('retrieving');
    expect(imagesOf(uid)).toBe(3);
    const again = await retrieve('orthanc-move', [uid]);
    expect(again.studies[0]).toMatchObject({ state: 'done', added: 0, alreadyStored: 3 });
    expect(imagesOf(uid)).toBe(3);
    await expectScoredOnce();
    const found = await call<{ studies: StudyMatch[] }>('archive.query', { archive: 'orthanc-web', patientId: '11RG3' });
    expect(found.studies.find((study) => study.studyInstanceUid === uid)?.alreadyHere).toBe(true);
  });

  it('by C-GET: the instances come back on the same association, imported and scored once; again, nothing is added', async () => {
    const uid = small[1]!.studyInstanceUid;
    const first = await retrieve('orthanc-get', [uid]);
    expect(first.studies[0]).toMatchObject({ state: 'done', received: 3, added: 3, alreadyStored: 0, error: null });
    const again = await retrieve('orthanc-get', [uid]);
    expect(again.studies[0]).toMatchObject({ state: 'done', received: 3, added: 0, alreadyStored: 3 });
    expect(imagesOf(uid)).toBe(3);
    await expectScoredOnce();
  });

  it('by WADO-RS: each instance fetched as multipart/related, imported and scored once; again, nothing is added', async () => {
    const uid = small[2]!.studyInstanceUid;
    const first = await retrieve('orthanc-web', [uid]);
    expect(first.studies[0]).toMatchObject({ state: 'done', received: 3, total: 3, added: 3, alreadyStored: 0, error: null });
    const again = await retrieve('orthanc-web', [uid]);
    expect(again.studies[0]).toMatchObject({ added: 0, alreadyStored: 3 });
    expect(imagesOf(uid)).toBe(3);
    await expectScoredOnce();
  });

  it('a study already retrieved one way adds nothing when retrieved another way; several studies in one retrieve', async () => {
    const before = images();
    const result = await retrieve('orthanc-web', [small[0]!.studyInstanceUid, small[1]!.studyInstanceUid, small[3]!.studyInstanceUid]);
    expect(result.studies.map((study) => [study.state, study.added, study.alreadyStored])).toEqual([
      ['done', 0, 3],
      ['done', 0, 3],
      ['done', 3, 0],
    ]);
    expect(images()).toBe(before + 3);
    await expectScoredOnce();
  });

  it('the app path: archive.retrieve reports per-study progress as events and finishes', async () => {
    const events: RetrieveProgress[] = [];
    const stop = services.jobs.onEvent((event) => {
      if (event.name === 'archive.retrieveProgress') events.push(event.payload);
    });
    const { retrieveId } = await call<{ retrieveId: string }>('archive.retrieve', { archive: 'orthanc-get', studyInstanceUids: [small[3]!.studyInstanceUid] });
    for (let i = 0; i < 600 && !events.at(-1)?.finished; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    stop();
    expect(events.every((event) => event.retrieveId === retrieveId)).toBe(true);
    expect(events.at(-1)).toMatchObject({ finished: true, studies: [{ state: 'done', added: 0, alreadyStored: 3 }] });
  });
});

describe('cancel', () => {
  for (const [archive, which] of [
    ['orthanc-web', () => bigWeb],
    ['orthanc-get', () => bigGet],
  ] as const) {
    it(`cancelled mid-retrieve (${archive}): what arrived is imported whole, nothing is half-written, and a retry completes the study exactly once`, async () => {
      const uid = which();
      const controller = new AbortController();
      const cancelled = await retrieve(
        archive,
        [uid],
        (progress) => {
          if (progress.studies[0]!.received >= 5) controller.abort();
        },
        controller.signal,
      );
      const study = cancelled.studies[0]!;
      expect(study.state).toBe('cancelled');
      expect(study.received).toBeGreaterThanOrEqual(5);
      expect(study.received).toBeLessThan(30);
      // Consistent: every acknowledged instance is imported (none left in the spool), and the study holds exactly those.
      expect(spoolRows()).toBe(0);
      expect(imagesOf(uid)).toBe(study.added);
      expect(study.added).toBe(study.received);
      const interrupted = services.db.prepare("SELECT COUNT(*) FROM imports WHERE status = 'interrupted'").pluck().get() as number;
      expect(interrupted).toBeGreaterThan(0);
      const retry = await retrieve(archive === 'orthanc-web' ? 'orthanc-get' : 'orthanc-web', [uid]);
      expect(retry.studies[0]).toMatchObject({ state: 'done', added: 30 - study.added, alreadyStored: study.added });
      expect(imagesOf(uid)).toBe(30);
      await expectScoredOnce();
    }, 240_000);
  }

  it('cancel through the contract stops the retrieve and says so', async () => {
    const events: RetrieveProgress[] = [];
    const stop = services.jobs.onEvent((event) => {
      if (event.name === 'archive.retrieveProgress') events.push(event.payload);
    });
    const { retrieveId } = await call<{ retrieveId: string }>('archive.retrieve', { archive: 'orthanc-web', studyInstanceUids: [small[0]!.studyInstanceUid, bigGet] });
    expect(await call('archive.cancelRetrieve', { retrieveId })).toEqual({ cancelled: true });
    for (let i = 0; i < 600 && !events.at(-1)?.finished; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    stop();
    expect(events.at(-1)!.studies.map((study) => study.state)).toEqual(['cancelled', 'cancelled']);
    expect(await call('archive.cancelRetrieve', { retrieveId })).toEqual({ cancelled: false });
  });
});

describe('poll', () => {
  it('retrieves the chest studies of the last hours that are not here yet, once', async () => {
    await call('archive.settings.update', { poll: { archive: 'orthanc-web', everyMinutes: 5, lookBackHours: 12 } });
    expect(services.archives.settings().poll).toEqual({ archive: 'orthanc-web', everyMinutes: 5, lookBackHours: 12 });
    // The studies are dated 2004-08-26: a poll on the morning after looks back into that day.
    const poller = new ArchivePoller(services.archives, services.audit, () => new Date(2004, 7, 27, 8, 0));
    const last = small[4]!.studyInstanceUid;
    expect(imagesOf(last)).toBe(0);
    expect(await poller.pollOnce()).toEqual({ found: 7, retrieved: 1 });
    await services.dicomNode.imported();
    expect(imagesOf(last)).toBe(3);
    expect(await poller.pollOnce()).toEqual({ found: 7, retrieved: 0 });
    const weekLater = new ArchivePoller(services.archives, services.audit, () => new Date(2004, 8, 3, 8, 0));
    expect(await weekLater.pollOnce()).toEqual({ found: 0, retrieved: 0 });
    await expectScoredOnce();
  });

  it('refuses a poll of an archive that does not exist, and an interval out of range, naming the field', async () => {
    const unknown = await router.dispatch('archive.settings.update', { poll: { archive: 'nowhere', everyMinutes: 5, lookBackHours: 12 } });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.error.message).toMatch(/poll\.archive: no archive has this name/);
    const zero = await router.dispatch('archive.settings.update', { poll: { archive: null, everyMinutes: 0, lookBackHours: 12 } });
    if (!zero.ok) expect(zero.error.message).toMatch(/poll\.everyMinutes: at least every minute/);
    expect(zero.ok).toBe(false);
    const duplicate = await router.dispatch('archive.settings.update', { archives: [...services.archives.settings().archives, { kind: 'dicomweb', name: 'orthanc-web', baseUrl: 'http://127.0.0.1:1/x' }] });
    if (!duplicate.ok) expect(duplicate.error.message).toMatch(/archives\.3\.name: another archive has this name/);
    expect(duplicate.ok).toBe(false);
    await call('archive.settings.update', { poll: { archive: null, everyMinutes: 5, lookBackHours: 12 } });
  });
});

describe('archives that are down, misconfigured or answer garbage', () => {
  async function failure(archive: object, what: 'query' | 'retrieve' | 'echo'): Promise<string> {
    await settingsWith([{ ...archive, name: 'broken' }]);
    try {
      if (what === 'echo') {
        const result = await router.dispatch('archive.echo', { archive: { ...archive, name: 'broken' } });
        return result.ok ? 'no error' : result.error.message;
      }
      if (what === 'query') {
        const result = await router.dispatch('archive.query', { archive: 'broken' });
        return result.ok ? 'no error' : result.error.message;
      }
      const result = await services.archives.retrieve('broken', [small[0]!.studyInstanceUid]);
      return result.studies[0]!.state === 'failed' ? result.studies[0]!.error! : 'no error';
    } finally {
      await settingsWith([]);
    }
  }

  /** A server that answers every connection with the given bytes and closes. */
  async function garbageServer(answer: (socket: net.Socket) => void): Promise<{ port: number; close: () => void }> {
    const server = net.createServer(answer);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
  }

  async function httpServer(handler: http.RequestListener): Promise<{ url: string; close: () => void }> {
    const server = http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/dicom-web`, close: () => server.close() };
  }

  it('DIMSE archive down: the connection was refused, for the test, the query and the retrieve', async () => {
    const down = { kind: 'dimse', aeTitle: 'ORTHANC', host: '127.0.0.1', port: await freePort(), retrieve: 'c-get' };
    for (const what of ['echo', 'query', 'retrieve'] as const) expect(await failure(down, what)).toMatch(/refused \(nothing listens on that port\)/);
  });

  it('DICOMweb archive down: the connection was refused', async () => {
    const down = { kind: 'dicomweb', baseUrl: `http://127.0.0.1:${await freePort()}/dicom-web` };
    for (const what of ['echo', 'query', 'retrieve'] as const) expect(await failure(down, what)).toMatch(/Cannot reach broken .* the connection was refused/);
  });

  it('a DIMSE port that answers random bytes, or says nothing and closes', async () => {
    const noise = await garbageServer((socket) => socket.end(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\nnot dicom at all')));
    const silent = await garbageServer((socket) => socket.end());
    try {
      expect(await failure({ kind: 'dimse', aeTitle: 'X', host: '127.0.0.1', port: noise.port, retrieve: 'c-get' }, 'query')).toMatch(/broken \(X at 127\.0\.0\.1:\d+\)/);
      expect(await failure({ kind: 'dimse', aeTitle: 'X', host: '127.0.0.1', port: silent.port, retrieve: 'c-move' }, 'query')).toMatch(/closed the connection without answering|network error/);
    } finally {
      noise.close();
      silent.close();
    }
  });

  it('a web server that is not DICOMweb: HTML, JSON of the wrong shape, a broken multipart body, an HTTP error', async () => {
    const server = await httpServer((request, response) => {
      const url = request.url ?? '';
      if (url.startsWith('/html/')) return response.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>');
      if (url.startsWith('/shape/')) return response.writeHead(200, { 'content-type': 'application/dicom+json' }).end('{"not":"a list"}');
      if (url.startsWith('/error/')) return response.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
      // /multipart/: a valid study and instance list, then an instance cut off mid-part.
      if (url.includes('/instances/')) return response.writeHead(200, { 'content-type': 'multipart/related; type="application/dicom"; boundary=XX' }).end('--XX\r\nContent-Type: application/dicom\r\n\r\nDICM-cut-off');
      return response
        .writeHead(200, { 'content-type': 'application/dicom+json' })
        .end(JSON.stringify([{ '0020000D': { vr: 'UI', Value: ['1.2.3'] }, '0020000E': { vr: 'UI', Value: ['1.2.3.4'] }, '00080018': { vr: 'UI', Value: ['1.2.3.4.5'] } }]));
    });
    const base = server.url.replace('/dicom-web', '');
    try {
      expect(await failure({ kind: 'dicomweb', baseUrl: `${base}/html` }, 'query')).toMatch(/answered something that is not JSON: is .* a DICOMweb service\?/);
      expect(await failure({ kind: 'dicomweb', baseUrl: `${base}/shape` }, 'echo')).toMatch(/answered JSON that is not a list of DICOM data sets/);
      expect(await failure({ kind: 'dicomweb', baseUrl: `${base}/error` }, 'query')).toMatch(/answered HTTP 500/);
      expect(await failure({ kind: 'dicomweb', baseUrl: `${base}/multipart` }, 'retrieve')).toMatch(/malformed multipart response \(the body ends inside a part/);
    } finally {
      server.close();
    }
  });

  it('C-MOVE with the node off says what to fix, and changes nothing', async () => {
    const move = { kind: 'dimse', aeTitle: 'ORTHANC', host: '127.0.0.1', port: orthanc.dicomPort, retrieve: 'c-move' };
    const nodeSettings = services.dicomNode.settings();
    await call('dicomNode.settings.update', { enabled: false });
    try {
      expect(await failure(move, 'retrieve')).toMatch(/C-MOVE needs this DICOM node listening \(it is off\)/);
    } finally {
      await call('dicomNode.settings.update', { enabled: true, port: nodeSettings.port });
    }
    expect(images()).toBe(services.db.prepare('SELECT COUNT(DISTINCT sop_instance_uid) FROM images').pluck().get());
  });
});
