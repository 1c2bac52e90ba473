import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { LOCK_FILE } from '../../../src-main/services/app/data-dir-lock';
import type { AppEvent, JobFinished } from '@shared/ipc/contract';
import { makeImage, makeMixedFolder, tempDir, writeTree } from '../../support/fixtures';

let services: AppServices | null = null;
afterEach(async () => {
  await services?.close();
  services = null;
});

async function openFresh(): Promise<AppServices> {
  services = openAppServices(await tempDir('cxr-data-'));
  return services;
}

async function importAndWait(s: AppServices, folder: string): Promise<JobFinished> {
  return s.jobs.waitFor(await s.importer.start(folder));
}

describe('folder import', () => {
  it('imports good images, lists each bad file with its reason, and goes on', async () => {
    const s = await openFresh();
    const folder = await tempDir('cxr-src-');
    const { good, bad } = await makeMixedFolder(folder);

    const finished = await importAndWait(s, folder);
    expect(finished.status).toBe('completed');
    const report = finished.importReport!;
    expect(report).toMatchObject({ added: good, skipped: 0, rejected: Object.keys(bad).length, status: 'completed' });
    for (const [file, reason] of Object.entries(bad)) {
      const rejected = report.rejectedFiles.find((r) => r.path === file);
      expect(rejected, file).toBeDefined();
      expect(rejected!.reason).toContain(reason);
    }
    expect(s.studies.count()).toBe(good);
    // The stored report is the same one the job returned.
    expect(s.imports.report(report.id)).toEqual(report);
  });

  it('records the Kaggle label, split and patient, and makes a thumbnail', async () => {
    const s = await openFresh();
    const folder = await tempDir('cxr-src-');
    await makeMixedFolder(folder);
    await importAndWait(s, folder);

    const [row] = s.studies.list({ search: 'person12', limit: 10, offset: 0 }).rows;
    expect(row).toMatchObject({ patientId: 'person12', label: 'pneumonia', status: 'new' });
    const detail = s.studies.get(row!.id)!;
    expect(detail.images[0]).toMatchObject({ format: 'png', width: 64, height: 64, datasetSplit: 'train' });
    const thumbnail = s.studies.getThumbnails([row!.thumbnailImageId])[0]!.thumbnail;
    expect(thumbnail.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    const loose = s.studies.list({ search: 'loose', limit: 10, offset: 0 }).rows[0]!;
    expect(loose).toMatchObject({ label: null, patientId: null });
  });

  it('adds nothing when the same folder is imported again, or a copy under another name', async () => {
    const s = await openFresh();
    const folder = await tempDir('cxr-src-');
    const { good } = await makeMixedFolder(folder);
    await importAndWait(s, folder);
    const second = await importAndWait(s, folder);
    expect(second.importReport).toMatchObject({ added: 0, skipped: good });

    const copies = await tempDir('cxr-copy-');
    await writeTree(copies, { 'renamed.png': await makeImage('png', 5) });
    const third = await importAndWait(s, copies);
    expect(third.importReport).toMatchObject({ added: 0, skipped: 1 });
    expect(s.studies.count()).toBe(good);
  });

  it('keeps a copy of each image, so the study stays viewable after the source is gone', async () => {
    const s = await openFresh();
    const folder = await tempDir('cxr-src-');
    const bytes = await makeImage('jpeg', 9);
    await writeTree(folder, { 'one.jpeg': bytes });
    await importAndWait(s, folder);
    const image = s.studies.getImage(s.studies.list({ limit: 1, offset: 0 }).rows[0]!.thumbnailImageId)!;
    expect(await s.store.read(image.storedPath)).toEqual(bytes);
  });

  it('reports progress events and can be cancelled, keeping what it committed', async () => {
    const s = await openFresh();
    const folder = await tempDir('cxr-src-');
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 60; i++) files[`img-${String(i).padStart(3, '0')}.png`] = await makeImage('png', 100 + i, 256);
    await writeTree(folder, files);

    const events: AppEvent[] = [];
    s.jobs.onEvent((event) => events.push(event));
    const jobId = await s.importer.start(folder);
    const stopAfterFirstFile = s.jobs.onEvent((event) => {
      if (event.name === 'job.progress' && event.payload.phase === 'importing' && event.payload.done >= 1) s.jobs.cancel(jobId);
    });
    const finished = await s.jobs.waitFor(jobId);
    stopAfterFirstFile();

    expect(finished.status).toBe('cancelled');
    const report = finished.importReport!;
    expect(report.status).toBe('cancelled');
    expect(report.added).toBeGreaterThan(0);
    expect(report.added).toBeLessThan(60);
    expect(s.studies.count()).toBe(report.added);
    expect(events.some((e) => e.name === 'job.progress' && e.payload.jobId === jobId && e.payload.total === 60)).toBe(true);
    expect(events.at(-1)).toMatchObject({ name: 'job.finished', payload: { jobId, status: 'cancelled' } });

    // Importing again picks up exactly what the cancelled run did not get to.
    const again = await importAndWait(s, folder);
    expect(again.importReport).toMatchObject({ added: 60 - report.added, skipped: report.added });
    expect(s.studies.count()).toBe(60);
  });

  it('refuses a path that is not a folder, with a clear message', async () => {
    const s = await openFresh();
    await expect(s.importer.start('/definitely/not/here')).rejects.toThrow(/Cannot import from .*does not exist/);
    const folder = await tempDir('cxr-src-');
    await writeTree(folder, { 'a.png': await makeImage('png', 1) });
    await expect(s.importer.start(path.join(folder, 'a.png'))).rejects.toThrow(/not a folder/);
    expect(s.imports.list(10)).toHaveLength(0);
  });

  it('marks an import cut off by a crash as interrupted when the data folder is reopened', async () => {
    const dataDir = await tempDir('cxr-data-');
    const first = openAppServices(dataDir);
    const importId = first.imports.begin('/somewhere');
    // As if the process died here: its database connection gone, its lock naming a dead pid.
    first.db.close();
    writeFileSync(path.join(dataDir, LOCK_FILE), `${spawnSync(process.execPath, ['-e', '']).pid}\n`);
    services = openAppServices(dataDir);
    expect(services.imports.report(importId)).toMatchObject({ status: 'interrupted' });
    expect(existsSync(path.join(dataDir, 'cxr-triage.sqlite'))).toBe(true);
  });
});
