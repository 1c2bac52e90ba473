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

  it('does nothing when no version with model files is active', () => {
    expect(services.scoring.start()).toEqual({ jobId: null, pending: 0 });
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
});
