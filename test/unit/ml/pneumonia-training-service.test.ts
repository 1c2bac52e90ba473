import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent, JobFinished, PneumoniaProgress, PneumoniaRun } from '@shared/ipc/contract';
import { pneumoniaTrainingConfigSchema } from '@shared/ipc/pneumonia-contract';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { tempDir } from '../../support/fixtures';
import { MOBILENET_WEIGHTS, realSamples } from '../../support/pneumonia-real';
import { requireSharedData } from '../../support/shared-data';
import { writeTinyPneumoniaModel } from '../../support/tiny-pneumonia-model';

let services: AppServices;
let folder: string;

/** A small Kaggle-layout copy of real X-rays: 8 train, 4 val, 6 test per class. */
async function smallKaggleFolder(): Promise<string> {
  const root = await tempDir('cxr-pn-small-');
  for (const [split, perClass] of [['train', 8], ['val', 4], ['test', 6]] as const) {
    for (const sample of realSamples(split, perClass)) {
      const target = path.join(root, split, sample.label === 1 ? 'PNEUMONIA' : 'NORMAL', path.basename(sample.path));
      mkdirSync(path.dirname(target), { recursive: true });
      copyFileSync(sample.path, target);
    }
  }
  return root;
}

function config(overrides: Record<string, unknown> = {}) {
  return pneumoniaTrainingConfigSchema.parse({
    backbone: { kind: 'mobilenetv2', weightsPath: requireSharedData(MOBILENET_WEIGHTS) },
    data: { kind: 'folder', path: folder },
    batchSize: 8,
    minValidationImages: 0,
    phase1: { epochs: 2, learningRate: 1e-3, earlyStoppingPatience: 5, reduceLrPatience: 3 },
    phase2: { epochs: 1, learningRate: 1e-5, earlyStoppingPatience: 7, reduceLrPatience: 4 },
    name: 'site run',
    ...overrides,
  });
}

function finished(jobId: string): Promise<JobFinished> {
  return services.jobs.waitFor(jobId);
}

beforeAll(async () => {
  services = openAppServices(await tempDir('cxr-pn-service-'));
  folder = await smallKaggleFolder();
});
afterAll(async () => services.close());

describe('pneumonia training as a job', () => {
  it('trains in the worker, registers an inactive version, and compares it with the active one on the same test images', async () => {
    // The active version: a tiny model with its own (28x28) preprocessing, scored on the same images.
    const staging = services.registry.stagingDir();
    await writeTinyPneumoniaModel(staging, { threshold: 0.4 });
    const active = services.registry.register(staging, 'tiny active', 'model.trained');
    services.models.activate(active.id);

    const progress: PneumoniaProgress[] = [];
    services.jobs.onEvent((event: AppEvent) => {
      if (event.name === 'pneumonia.progress') progress.push(event.payload);
    });
    const { runId, jobId } = await services.pneumonia.start(config());
    expect((await finished(jobId)).status).toBe('completed');

    const run: PneumoniaRun = services.pneumonia.get(runId);
    expect(run.status).toBe('completed');
    expect(run.history.map((e) => e.phase)).toEqual([1, 1, 2]);
    expect(run.dataset).toMatchObject({ train: { normal: 8, pneumonia: 8 }, val: { normal: 4, pneumonia: 4 }, test: { normal: 6, pneumonia: 6 } });
    expect(progress.some((p) => p.epochRecord !== null)).toBe(true);
    expect(progress.some((p) => p.stage === 'training' && p.batches > 0)).toBe(true);

    const candidate = services.models.summary(run.versionId!);
    expect(candidate).toMatchObject({ name: 'site run', isActive: false, threshold: 0.3 });
    expect(services.models.active('pneumonia')!.id).toBe(active.id);

    const comparison = run.comparison!;
    expect(comparison.candidate.versionId).toBe(candidate.id);
    expect(comparison.active!.versionId).toBe(active.id);
    expect(comparison.candidate.evaluation.images).toBe(12);
    expect(comparison.active!.evaluation.images).toBe(12);
    expect(comparison.active!.evaluation.atThreshold.threshold).toBe(0.4);
    // The ImageNet backbone after two epochs should already separate these images far better than chance.
    expect(comparison.candidate.evaluation.auc).toBeGreaterThan(0.7);
    expect(services.audit.recent(10, { action: 'pneumonia.training_completed' })).toHaveLength(1);
  }, 300_000);

  it('stops on request: no version is registered and the run says it was stopped', async () => {
    const before = services.models.list('pneumonia').length;
    const { runId, jobId } = await services.pneumonia.start(config({ phase1: { epochs: 50, learningRate: 1e-3, earlyStoppingPatience: 50, reduceLrPatience: 50 } }));
    await new Promise<void>((resolve) => {
      const off = services.jobs.onEvent((event) => {
        if (event.name === 'pneumonia.progress' && event.payload.runId === runId && event.payload.epochRecord) {
          off();
          resolve();
        }
      });
    });
    services.pneumonia.stop(runId);
    await finished(jobId);
    expect(services.pneumonia.get(runId).status).toBe('stopped');
    expect(services.pneumonia.get(runId).history.length).toBeLessThan(50);
    expect(services.models.list('pneumonia')).toHaveLength(before);
  }, 300_000);

  it('starts a fine-tuning run from an existing version: with no epochs it reproduces that version exactly', async () => {
    const base = services.models.list('pneumonia').find((v) => v.name === 'site run')!;
    const none = { epochs: 0, learningRate: 1e-4, earlyStoppingPatience: 5, reduceLrPatience: 3 };
    const { runId, jobId } = await services.pneumonia.start(config({ baseVersionId: base.id, name: 'site run, copy', phase1: none, phase2: none }));
    expect((await finished(jobId)).status).toBe('completed');
    const copy = services.models.pneumoniaMetadata(services.pneumonia.get(runId).versionId!)!;
    const original = services.models.pneumoniaMetadata(base.id)!;
    // Same weights, same test images: the same scores, so the same ROC (a fresh head would differ).
    // The scores agree to float rounding: the folded backbone's sums may round in another order.
    expect(copy.evaluation.rocPoints.map(({ threshold, ...counts }) => counts)).toEqual(original.evaluation.rocPoints.map(({ threshold, ...counts }) => counts));
    copy.evaluation.rocPoints.forEach((point, i) => expect(point.threshold).toBeCloseTo(original.evaluation.rocPoints[i]!.threshold, 5));
    expect(copy.preprocessing).toEqual(original.preprocessing);
  }, 300_000);

  it('refuses missing weights before starting anything', async () => {
    await expect(services.pneumonia.start(config({ backbone: { kind: 'vgg16', weightsPath: '/nowhere/vgg16_notop.h5' } }))).rejects.toThrow(/do not exist/);
  });
});
