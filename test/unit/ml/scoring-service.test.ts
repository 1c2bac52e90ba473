import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent, JobFinished } from '@shared/ipc/contract';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { makeImage, tempDir, writeTree } from '../../support/fixtures';
import { writeTinyPneumoniaModel } from '../../support/tiny-pneumonia-model';

let services: AppServices;

async function importFolder(files: Record<string, Buffer>): Promise<void> {
  const folder = await tempDir('cxr-score-src-');
  await writeTree(folder, files);
  await services.jobs.waitFor(await services.importer.start(folder));
}

async function tinyVersion(name: string, threshold: number, seed: number): Promise<number> {
  const staging = services.registry.stagingDir();
  await writeTinyPneumoniaModel(staging, { threshold, seed });
  return services.registry.register(staging, name, 'model.trained').id;
}

/** Resolves with the next scoring job's end. */
function nextScoringJob(): Promise<JobFinished> {
  return new Promise((resolve) => {
    const off = services.jobs.onEvent((event: AppEvent) => {
      if (event.name === 'job.finished' && event.payload.kind === 'scoring') {
        off();
        resolve(event.payload);
      }
    });
  });
}

beforeEach(async () => {
  services = openAppServices(await tempDir('cxr-scoring-'));
  await importFolder({
    'NORMAL/IM-0001-0001.png': await makeImage('png', 1),
    'PNEUMONIA/person1_virus_1.jpeg': await makeImage('jpeg', 2),
    'PNEUMONIA/person2_virus_2.png': await makeImage('png', 3),
  });
});
afterEach(async () => services.close());

describe('scoring with the active version', () => {
  it('scores every study in the compute worker when a version is activated, with heatmaps and the version and threshold recorded', async () => {
    const v1 = await tinyVersion('v1', 0.3, 1);
    const done = nextScoringJob();
    services.models.activate(v1);
    expect(services.scoring.start().pending).toBe(3);
    expect((await done).status).toBe('completed');
    const { rows } = services.studies.list({ limit: 10, offset: 0 });
    expect(rows.every((r) => r.modelVersionId === v1 && r.probability !== null && r.probability > 0 && r.probability < 1)).toBe(true);
    // Three different images, three different scores: the model really looked at them.
    expect(new Set(rows.map((r) => r.probability)).size).toBe(3);
    const stored = services.db.prepare('SELECT threshold FROM predictions WHERE model_version_id = ?').pluck().all(v1);
    expect(stored).toEqual([0.3, 0.3, 0.3]);
    const heatmap = services.predictions.heatmap(rows[0]!.thumbnailImageId, v1)!;
    const meta = await sharp(heatmap).metadata();
    expect(meta.format).toBe('png');
    expect(services.scoring.pending(v1)).toHaveLength(0);
  });

  it('scores only the new images after an import, and everything again for another version', async () => {
    const v1 = await tinyVersion('v1', 0.3, 1);
    let done = nextScoringJob();
    services.models.activate(v1);
    services.scoring.start();
    await done;
    done = nextScoringJob();
    await importFolder({ 'NORMAL/IM-0009-0001.png': await makeImage('png', 9) });
    await done;
    const count = (id: number) => services.db.prepare('SELECT COUNT(*) FROM predictions WHERE model_version_id = ?').pluck().get(id);
    expect(count(v1)).toBe(4);
    const v2 = await tinyVersion('v2', 0.5, 2);
    done = nextScoringJob();
    services.models.activate(v2);
    services.scoring.start();
    await done;
    expect(count(v2)).toBe(4);
    expect(services.studies.list({ limit: 10, offset: 0 }).rows.every((r) => r.modelVersionId === v2)).toBe(true);
  });

  it('records every score before it draws a heatmap, then draws them all in the same job', async () => {
    const v1 = await tinyVersion('v1', 0.3, 1);
    services.models.activate(v1);
    const count = (sql: string) => services.db.prepare(sql).pluck().get(v1) as number;
    const atFirstHeatmap: number[] = [];
    const done = nextJob('scoring', () => {});
    const off = services.jobs.onEvent((event: AppEvent) => {
      if (event.name === 'job.progress' && event.payload.kind === 'scoring' && event.payload.phase === 'heatmaps' && atFirstHeatmap.length === 0) {
        atFirstHeatmap.push(count('SELECT COUNT(*) FROM predictions WHERE model_version_id = ? AND probability IS NOT NULL'));
      }
    });
    services.scoring.start();
    expect((await done).status).toBe('completed');
    off();
    // The worklist had every score when the heatmaps began.
    expect(atFirstHeatmap).toEqual([3]);
    expect(count('SELECT COUNT(*) FROM predictions WHERE model_version_id = ? AND heatmap IS NOT NULL')).toBe(3);
    expect(services.scoring.start()).toMatchObject({ jobId: null, pending: 0 });
  });

  it('draws a heatmap the viewer asks for at once when it is not drawn yet, and keeps it', async () => {
    const v1 = await tinyVersion('v1', 0.3, 1);
    const done = nextScoringJob();
    services.models.activate(v1);
    services.scoring.start();
    await done;
    const imageId = services.studies.list({ limit: 10, offset: 0 }).rows[0]!.thumbnailImageId;
    const drawn = services.predictions.heatmap(imageId, v1)!;
    services.db.prepare('UPDATE predictions SET heatmap = NULL WHERE image_id = ?').run(imageId);
    const asked = await services.scoring.heatmap(imageId);
    expect(asked).toMatchObject({ modelVersionId: v1 });
    expect(asked!.bytes.equals(drawn)).toBe(true);
    expect(services.predictions.heatmap(imageId, v1)!.equals(drawn)).toBe(true);
    expect(await services.scoring.heatmap(999_999)).toBeNull();
  });

  it('does nothing when no version with model files is active', () => {
    expect(services.scoring.start()).toEqual({ jobId: null, pending: 0 });
  });
});

/** Resolves with the next job of that kind's end, checking `during` at each of its progress events. */
function nextJob(kind: JobFinished['kind'], during: () => void = () => {}): Promise<JobFinished> {
  return new Promise((resolve) => {
    const off = services.jobs.onEvent((event: AppEvent) => {
      if (event.name === 'job.progress' && event.payload.kind === kind) during();
      if (event.name === 'job.finished' && event.payload.kind === kind) {
        off();
        resolve(event.payload);
      }
    });
  });
}

describe('switching versions', () => {
  async function liveWith(threshold: number, seed: number): Promise<number> {
    const v1 = await tinyVersion('v1', threshold, seed);
    const done = nextJob('activation');
    expect(services.scoring.activate(v1).jobId).not.toBeNull();
    expect((await done).status).toBe('completed');
    return v1;
  }

  it('keeps every study scored by the current version until the new one has scored them all, then switches at once', async () => {
    // The first activation is a job too: nothing is shown as "not scored" that had no score before either.
    const first = nextJob('activation');
    const v1 = await tinyVersion('v1', 0.3, 1);
    expect(services.scoring.activate(v1)).toMatchObject({ pending: 3, activated: null });
    expect((await first).status).toBe('completed');
    const before = services.studies.list({ limit: 10, offset: 0 }).rows;
    expect(before.every((r) => r.modelVersionId === v1 && r.probability !== null && r.verdict === 'in_scope')).toBe(true);

    const v2 = await tinyVersion('v2', 0.5, 2);
    let checks = 0;
    const done = nextJob('activation', () => {
      checks++;
      const rows = services.studies.list({ limit: 10, offset: 0 }).rows;
      // Mid-way, the worklist still reads the live version's scores, every one of them.
      expect(rows.map((r) => [r.modelVersionId, r.probability])).toEqual(before.map((r) => [v1, r.probability]));
    });
    const started = services.scoring.activate(v2);
    expect(started).toMatchObject({ pending: 3, activated: null });
    expect(services.scoring.pendingActivation()).toEqual({ modelVersionId: v2, jobId: started.jobId });
    expect(services.models.active('pneumonia')?.id).toBe(v1);
    expect((await done).status).toBe('completed');
    expect(checks).toBeGreaterThan(2);
    expect(services.models.active('pneumonia')?.id).toBe(v2);
    expect(services.scoring.pendingActivation()).toBeNull();
    const after = services.studies.list({ limit: 10, offset: 0 }).rows;
    expect(after.every((r) => r.modelVersionId === v2 && r.probability !== null)).toBe(true);
    expect(services.audit.recent(5, { action: 'model.activated' })[0]).toMatchObject({ entityId: String(v2), details: { previous: v1 } });
  });

  it('a cancelled activation leaves the current version live and says so in the audit', async () => {
    const v1 = await liveWith(0.3, 1);
    const v2 = await tinyVersion('v2', 0.5, 2);
    const done = nextJob('activation');
    const { jobId } = services.scoring.activate(v2);
    services.jobs.cancel(jobId!);
    expect((await done).status).toBe('cancelled');
    expect(services.models.active('pneumonia')?.id).toBe(v1);
    expect(services.studies.list({ limit: 10, offset: 0 }).rows.every((r) => r.modelVersionId === v1 && r.probability !== null)).toBe(true);
    expect(services.audit.recent(5, { action: 'model.activation_cancelled' })).toHaveLength(1);
  });

  it('studies imported during an activation are scored by the live version and by the new one before it goes live', async () => {
    const v1 = await liveWith(0.3, 1);
    const v2 = await tinyVersion('v2', 0.5, 2);
    const done = nextJob('activation');
    services.scoring.activate(v2);
    await importFolder({ 'NORMAL/IM-0042-0001.png': await makeImage('png', 42), 'NORMAL/IM-0043-0001.png': await makeImage('png', 43) });
    expect((await done).status).toBe('completed');
    expect(services.models.active('pneumonia')?.id).toBe(v2);
    const rows = services.studies.list({ limit: 10, offset: 0 }).rows;
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.modelVersionId === v2 && r.probability !== null)).toBe(true);
    expect(services.scoring.pending(v2)).toHaveLength(0);
    expect(services.db.prepare('SELECT COUNT(*) FROM predictions WHERE model_version_id = ?').pluck().get(v1)).toBe(5);
  });

  it('switches at once when the version has already scored everything (a roll-back)', async () => {
    const v1 = await liveWith(0.3, 1);
    const v2 = await tinyVersion('v2', 0.5, 2);
    const done = nextJob('activation');
    services.scoring.activate(v2);
    await done;
    const back = services.scoring.activate(services.models.rollbackTarget('pneumonia'), 'model.rolled_back');
    expect(back).toMatchObject({ jobId: null, pending: 0, activated: { id: v1, isActive: true } });
  });
});

describe('scoring after a restart', () => {
  it('scores on opening what the active version left unscored when the app closed', async () => {
    const v1 = await tinyVersion('v1', 0.3, 1);
    services.models.activate(v1);
    const dataDir = services.dataDir;
    await services.close();
    services = openAppServices(dataDir);
    // Nothing here asks for scoring: the job comes from opening the services alone.
    expect((await nextScoringJob()).status).toBe('completed');
    expect(services.scoring.pending(v1)).toHaveLength(0);
  });

  it('records a scoring job that a kill cut off as interrupted, once', async () => {
    const v1 = await tinyVersion('v1', 0.3, 1);
    // What a killed process leaves: a start with no finish.
    services.audit.record('scoring.started', { type: 'model_version', id: v1 }, { purpose: 'live' });
    const dataDir = services.dataDir;
    await services.close();
    services = openAppServices(dataDir);
    expect(services.audit.recent(10, { action: 'scoring.interrupted' }).map((e) => e.details)).toEqual([{ count: 1 }]);
    await services.close();
    services = openAppServices(dataDir);
    expect(services.audit.recent(10, { action: 'scoring.interrupted' })).toHaveLength(1);
  });
});
