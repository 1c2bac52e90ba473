import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { createHandlers } from '../../../src-main/services/api/handlers';
import { createRouter, type Router } from '../../../src-main/services/api/router';
import { CHANNELS } from '@shared/ipc/channels';
import { contract } from '@shared/ipc/contract';
import { THUMBNAIL_BATCH_MAX } from '@shared/ipc/limits';
import { makeMixedFolder, tempDir } from '../../support/fixtures';

let services: AppServices;
let router: Router;
let failures: string[];

beforeAll(async () => {
  services = openAppServices(await tempDir('cxr-router-'));
  failures = [];
  router = createRouter(createHandlers(services, { adapter: 'browser-host', version: '0.0.0-test' }), (channel) => failures.push(channel));
  const folder = await tempDir('cxr-src-');
  await makeMixedFolder(folder);
  await services.jobs.waitFor(await services.importer.start(folder));
});
afterAll(async () => services.close());

function snapshot() {
  const db = services.db;
  return {
    studies: db.prepare('SELECT COUNT(*) FROM studies').pluck().get(),
    imports: db.prepare('SELECT COUNT(*) FROM imports').pluck().get(),
    audit: db.prepare('SELECT COUNT(*) FROM audit_log').pluck().get(),
  };
}

describe('IPC contract at the router', () => {
  it('has a schema and a handler for every channel', () => {
    expect(Object.keys(contract).sort()).toEqual([...CHANNELS].sort());
  });

  it('answers valid requests with values that match the response schema', async () => {
    const info = await router.dispatch('app.info', {});
    expect(info).toMatchObject({ ok: true, value: { adapter: 'browser-host', studyCount: 5, capabilities: { nativeFolderPicker: false } } });
    const list = await router.dispatch('studies.list', { search: 'person' });
    expect(list.ok && (list.value as { total: number }).total).toBe(2);
    const study = await router.dispatch('studies.get', { studyId: 1 });
    expect(study.ok).toBe(true);
    const thumbnails = await router.dispatch('images.thumbnails', { imageIds: [1, 2, 99999] });
    expect(thumbnails.ok && (thumbnails.value as { thumbnails: { imageId: number }[] }).thumbnails.map((t) => t.imageId).sort()).toEqual([1, 2]);
    const image = await router.dispatch('images.display', { imageId: 1 });
    expect(image.ok && (image.value as { bytes: Uint8Array }).bytes.length).toBeGreaterThan(100);
  });

  const malformed: [string, unknown, unknown, RegExp][] = [
    ['unknown channel', 'studies.delete', {}, /UNKNOWN_CHANNEL/],
    ['channel of the wrong type', 42, {}, /UNKNOWN_CHANNEL/],
    ['prototype-ish channel name', '__proto__', {}, /UNKNOWN_CHANNEL/],
    ['payload not an object', 'studies.get', 'select * from studies', /INVALID_REQUEST/],
    ['missing field', 'studies.get', {}, /INVALID_REQUEST/],
    ['string id', 'studies.get', { studyId: '1' }, /INVALID_REQUEST/],
    ['negative id', 'images.display', { imageId: -1 }, /INVALID_REQUEST/],
    ['fractional id', 'images.thumbnails', { imageIds: [1.5] }, /INVALID_REQUEST/],
    ['empty thumbnail batch', 'images.thumbnails', { imageIds: [] }, /INVALID_REQUEST/],
    ['oversized thumbnail batch', 'images.thumbnails', { imageIds: Array.from({ length: THUMBNAIL_BATCH_MAX + 1 }, (_, i) => i + 1) }, /INVALID_REQUEST/],
    ['unexpected extra key', 'studies.list', { search: 'x', sql: 'DROP TABLE studies' }, /INVALID_REQUEST/],
    ['limit out of range', 'studies.list', { limit: 1e9 }, /INVALID_REQUEST/],
    ['empty import path', 'imports.start', { path: '' }, /INVALID_REQUEST/],
    ['array payload', 'imports.start', ['/etc'], /INVALID_REQUEST/],
    ['oversized search', 'studies.list', { search: 'x'.repeat(5000) }, /INVALID_REQUEST/],
  ];

  it.each(malformed)('refuses a malformed request (%s) with a clear error and changes nothing', async (_name, channel, payload, code) => {
    const before = snapshot();
    const result = await router.dispatch(channel, payload);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toMatch(code);
    expect(result.error.message.length).toBeGreaterThan(10);
    expect(snapshot()).toEqual(before);
  });

  it('names the offending field in the message', async () => {
    const result = await router.dispatch('studies.get', { studyId: 'abc' });
    expect(!result.ok && result.error.message).toMatch(/studyId/);
  });

  it('turns service errors into typed errors: not found, bad input, unsupported', async () => {
    expect(await router.dispatch('studies.get', { studyId: 99999 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await router.dispatch('imports.start', { path: '/no/such/folder' })).toMatchObject({
      ok: false,
      error: { code: 'BAD_INPUT', message: expect.stringMatching(/does not exist/) },
    });
    expect(await router.dispatch('dialogs.pickFolder', {})).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED' } });
    expect(await router.dispatch('jobs.cancel', { jobId: 'nope' })).toEqual({ ok: true, value: { cancelled: false } });
    expect(failures).toEqual([]);
  });

  it('hides the details of an unexpected failure and reports it without them', async () => {
    const broken = createRouter(
      {
        ...createHandlers(services, { adapter: 'browser-host', version: 'x' }),
        'studies.list': () => {
          throw new Error('SQLITE_CORRUPT at /home/dr/patients/Jane Doe.db');
        },
      },
      (channel) => failures.push(channel),
    );
    const result = await broken.dispatch('studies.list', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(result)).not.toContain('Jane Doe');
    expect(failures).toEqual(['studies.list']);
  });
});
