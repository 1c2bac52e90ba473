import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { createHandlers } from '../../../src-main/services/api/handlers';
import { createRouter, type Router } from '../../../src-main/services/api/router';
import { makeImage, tempDir, writeTree } from '../../support/fixtures';
import { seedPredictions } from '../../support/seed-predictions';
import { dispatchOk } from '../../support/router-call';

let services: AppServices;
let router: Router;

const call = <T>(channel: string, payload: unknown = {}) => dispatchOk<T>(router, channel, payload);

beforeEach(async () => {
  services = openAppServices(await tempDir('cxr-worklist-'));
  router = createRouter(createHandlers(services, { adapter: 'browser-host', version: 'test' }));
  const folder = await tempDir('cxr-src-');
  await writeTree(folder, {
    'NORMAL/IM-0001-0001.png': await makeImage('png', 1),
    'NORMAL/IM-0002-0001.png': await makeImage('png', 2),
    'PNEUMONIA/person1_virus_1.png': await makeImage('png', 3),
    'PNEUMONIA/=cmd_person2.png': await makeImage('png', 4),
  });
  await services.jobs.waitFor(await services.importer.start(folder));
});
afterEach(async () => services.close());

type Row = { id: number; thumbnailImageId: number; probability: number | null; modelVersionId: number | null; fileName: string };

describe('worklist services', () => {
  it('shows each study with the active version score only', async () => {
    const unscored = await call<{ rows: Row[] }>('studies.list', {});
    expect(unscored.rows.every((r) => r.probability === null)).toBe(true);

    const first = await seedPredictions(services, { name: 'v1' });
    const withV1 = await call<{ rows: Row[] }>('studies.list', {});
    expect(withV1.rows.every((r) => r.modelVersionId === first && r.probability !== null)).toBe(true);

    // A newly registered but inactive version's scores are not shown as current.
    const second = await seedPredictions(services, { name: 'v2', activate: false });
    expect((await call<{ rows: Row[] }>('studies.list', {})).rows.every((r) => r.modelVersionId === first)).toBe(true);
    services.models.activate(second);
    expect((await call<{ rows: Row[] }>('studies.list', {})).rows.every((r) => r.modelVersionId === second)).toBe(true);
  });

  it('stores a threshold change per model version and audits who, when, old and new', async () => {
    const id = await seedPredictions(services, { threshold: 0.3 });
    const other = await seedPredictions(services, { name: 'v2', threshold: 0.5, activate: false });
    const updated = await call<{ threshold: number }>('models.setThreshold', { modelVersionId: id, threshold: 0.42, preset: 'balanced' });
    expect(updated.threshold).toBe(0.42);
    const versions = await call<{ versions: { id: number; threshold: number }[] }>('models.list');
    expect(versions.versions.find((v) => v.id === other)!.threshold).toBe(0.5);
    const [entry] = services.audit.recent(1, { action: 'threshold.changed' });
    expect(entry).toMatchObject({ entityId: String(id), details: { from: 0.3, to: 0.42, preset: 'balanced' } });
    expect(entry!.actor.length).toBeGreaterThan(0);
    expect(Date.now() - Date.parse(entry!.at)).toBeLessThan(60_000);
  });

  it('refuses a threshold outside 0..1 and changes nothing', async () => {
    const id = await seedPredictions(services, { threshold: 0.3 });
    const result = await router.dispatch('models.setThreshold', { modelVersionId: id, threshold: 1.5 });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(services.models.active('pneumonia')!.threshold).toBe(0.3);
  });

  it('gives the active version heatmap of an image, and none from another version', async () => {
    const [row] = (await call<{ rows: Row[] }>('studies.list', {})).rows;
    await seedPredictions(services, { heatmaps: true });
    const first = await call<{ heatmap: { bytes: Uint8Array } | null }>('images.heatmap', { imageId: row!.thumbnailImageId });
    expect(first.heatmap!.bytes.subarray(1, 4)).toEqual(Buffer.from('PNG'));
    await seedPredictions(services, { name: 'v2', heatmaps: false });
    expect(await call('images.heatmap', { imageId: row!.thumbnailImageId })).toEqual({ heatmap: null });
  });

  it('marks a study read and back, auditing each change', async () => {
    const [row] = (await call<{ rows: Row[] }>('studies.list', {})).rows;
    await call('studies.setStatus', { studyId: row!.id, status: 'read' });
    expect(services.studies.get(row!.id)!.status).toBe('read');
    await call('studies.setStatus', { studyId: row!.id, status: 'new' });
    expect(services.audit.recent(10).map((e) => e.action).slice(0, 2)).toEqual(['study.marked_unread', 'study.marked_read']);
    await expect(call('studies.setStatus', { studyId: 999, status: 'read' })).rejects.toThrow(/NOT_FOUND/);
  });

  it('marks a not-applicable study read without changing what it is', async () => {
    const [row] = (await call<{ rows: Row[] }>('studies.list', {})).rows;
    services.db.prepare("UPDATE studies SET status = 'not_applicable', status_reason = 'modality CT' WHERE id = ?").run(row!.id);
    expect(await call('studies.setStatus', { studyId: row!.id, status: 'read' })).toEqual({ studyId: row!.id, status: 'not_applicable' });
    const read = (await call<{ rows: (Row & { status: string; readAt: string | null })[] }>('studies.list', {})).rows.find((r) => r.id === row!.id)!;
    expect(read.status).toBe('not_applicable');
    expect(read.readAt).not.toBeNull();
    await call('studies.setStatus', { studyId: row!.id, status: 'read' });
    await call('studies.setStatus', { studyId: row!.id, status: 'new' });
    expect(services.studies.get(row!.id)!.readAt).toBeNull();
    expect(services.audit.recent(10).map((e) => e.action).slice(0, 2)).toEqual(['study.marked_unread', 'study.marked_read']);
  });

  it('keeps the aging limit as an audited setting', async () => {
    expect(await call('settings.get')).toEqual({ agingLimitMinutes: 120, sitePrevalencePercent: null });
    expect(await call('settings.update', { agingLimitMinutes: 45 })).toEqual({ agingLimitMinutes: 45, sitePrevalencePercent: null });
    expect(services.audit.recent(1)[0]).toMatchObject({ action: 'setting.changed', details: { from: 120, to: 45 } });
    expect((await router.dispatch('settings.update', { agingLimitMinutes: 1 })).ok).toBe(false);
  });

  it('keeps the site prevalence as an audited setting, within (0, 100) %', async () => {
    expect(await call('settings.update', { sitePrevalencePercent: 12.5 })).toMatchObject({ sitePrevalencePercent: 12.5 });
    expect(services.audit.recent(1)[0]).toMatchObject({ action: 'setting.changed', entityId: 'sitePrevalencePercent', details: { from: null, to: 12.5 } });
    expect((await router.dispatch('settings.update', { sitePrevalencePercent: 100 })).ok).toBe(false);
    expect(await call('settings.get')).toMatchObject({ sitePrevalencePercent: 12.5 });
  });

  it('exports the worklist de-identified by default, identified only when asked', async () => {
    await seedPredictions(services, { threshold: 0.3 });
    const plain = await call<{ csv: string; fileName: string; rows: number }>('worklist.exportCsv', {});
    expect(plain.rows).toBe(4);
    expect(plain.fileName).toMatch(/deidentified/);
    expect(plain.csv.split('\r\n')[0]).toBe('study,imported_date,modality,view_position,label,status,verdict,verdict_reason,probability,threshold,flag_state,flagged,model_version');
    expect(plain.csv).not.toMatch(/person1|IM-0001|cmd_person2/);

    const identified = await call<{ csv: string; fileName: string }>('worklist.exportCsv', { identified: true });
    expect(identified.fileName).toMatch(/IDENTIFIED/);
    expect(identified.csv).toContain('person1_virus_1.png');
    // A file name that looks like a formula is neutralised for spreadsheets.
    expect(identified.csv).toContain("'=cmd_person2.png");
    expect(services.audit.recent(5).filter((e) => e.action === 'export.worklist').map((e) => e.details)).toEqual([
      { identified: true, rows: 4 },
      { identified: false, rows: 4 },
    ]);
  });

  it('lists and filters the audit log, and exports it', async () => {
    const [row] = (await call<{ rows: Row[] }>('studies.list', {})).rows;
    // Loading the next study ahead is not an opening: only the study the reader opens is audited.
    await call('studies.get', { studyId: row!.id, purpose: 'prefetch' });
    await call('studies.get', { studyId: row!.id });
    const listed = await call<{ entries: { action: string }[]; actions: string[] }>('audit.list', { action: 'study.opened' });
    expect(listed.entries.map((e) => e.action)).toEqual(['study.opened']);
    expect(listed.actions).toEqual(expect.arrayContaining(['import.started', 'import.completed', 'study.opened']));
    expect((await call<{ entries: unknown[] }>('audit.list', { from: '2999-01-01' })).entries).toHaveLength(0);
    const csv = await call<{ csv: string }>('audit.exportCsv', { identified: true });
    expect(csv.csv.split('\r\n')[0]).toContain('patient_id');
  });
});
