import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainingConfigSchema, type AppEvent, type JobFinished, type TrainingProgress } from '@shared/ipc/contract';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { toCifarBinary } from '../../../src-main/services/ml/cifar/cifar-binary';
import { selectImages } from '../../../src-main/services/ml/cifar/cifar-dataset';
import { realCifar10 } from '../../support/cifar-real';

let release: string;
const config = (fields: Record<string, unknown>) => trainingConfigSchema.parse(fields);

/** A small official-format release cut from the real images: 5 x 60 training and 100 test images. */
beforeAll(async () => {
  const data = await realCifar10();
  release = path.join(mkdtempSync(path.join(os.tmpdir(), 'cxr-release-')), 'cifar-10-batches-bin');
  mkdirSync(release);
  for (let b = 1; b <= 5; b++) {
    const indices = Array.from({ length: 60 }, (_, i) => ((b * 60 + i) * 797) % data.train.count);
    writeFileSync(path.join(release, `data_batch_${b}.bin`), toCifarBinary(selectImages(data.train, indices)));
  }
  const testIndices = Array.from({ length: 100 }, (_, i) => (i * 97) % data.test.count);
  writeFileSync(path.join(release, 'test_batch.bin'), toCifarBinary(selectImages(data.test, testIndices)));
}, 180_000);

function events(services: AppServices) {
  const seen: AppEvent[] = [];
  const waiters: { test: (e: AppEvent) => boolean; resolve: (e: AppEvent) => void }[] = [];
  services.jobs.onEvent((event) => {
    seen.push(event);
    for (const w of waiters.splice(0)) {
      if (w.test(event)) w.resolve(event);
      else waiters.push(w);
    }
  });
  return {
    seen,
    next<T extends AppEvent>(test: (e: AppEvent) => e is T, timeoutMs = 120_000): Promise<T> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out waiting for an event')), timeoutMs);
        waiters.push({ test, resolve: (e) => (clearTimeout(timer), resolve(e as T)) });
      });
    },
  };
}

const isProgress = (e: AppEvent): e is { name: 'training.progress'; payload: TrainingProgress } => e.name === 'training.progress';
const isBatch = (e: AppEvent): e is { name: 'training.progress'; payload: TrainingProgress } => isProgress(e) && e.payload.batch > 0;
const isEpoch = (e: AppEvent): e is { name: 'training.progress'; payload: TrainingProgress } => isProgress(e) && e.payload.epochRecord !== null;
const isFinished = (e: AppEvent): e is { name: 'job.finished'; payload: JobFinished } => e.name === 'job.finished';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('training runs as jobs in the compute worker', () => {
  it('pauses, resumes, survives the app closing mid-run, and resumes from its last checkpoint', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cxr-data-'));
    let services = openAppServices(dataDir);
    let bus = events(services);
    const { runId } = services.training.start(config({ datasetPath: release, epochs: 3, batchSize: 64, subsetSize: null }));
    await bus.next(isBatch);
    expect(services.training.pause(runId)).toBe('paused');
    expect(services.training.get(runId).status).toBe('paused');
    await sleep(3000); // a batch already under way still finishes
    const during = bus.seen.filter(isBatch).length;
    await sleep(3000);
    expect(bus.seen.filter(isBatch).length).toBe(during);
    expect(services.training.resume(runId).status).toBe('running');
    const first = await bus.next(isEpoch);
    expect(first.payload.epochRecord!.epoch).toBe(1);
    await services.close();

    services = openAppServices(dataDir);
    bus = events(services);
    const interrupted = services.training.get(runId);
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.resumable).toBe(true);
    expect(interrupted.history.length).toBeGreaterThanOrEqual(1);
    services.training.resume(runId);
    const finished = await bus.next(isFinished);
    expect(finished.payload).toMatchObject({ kind: 'training', status: 'completed' });
    const done = services.training.get(runId);
    expect(done.status).toBe('completed');
    expect(done.history.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(done.metrics!.testCount).toBe(100);
    expect(done.backend!.backend).toBe('wasm');
    const versions = services.db.prepare(`SELECT storage_path FROM model_versions WHERE task = 'cifar10'`).all();
    expect(versions).toHaveLength(1);
    await services.close();
  }, 240_000);

  it('stops on request, and reports bad data as a failed run with the reason', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cxr-data-'));
    const services = openAppServices(dataDir);
    const bus = events(services);
    const { runId } = services.training.start(config({ datasetPath: release, epochs: 20, batchSize: 64 }));
    await bus.next(isBatch);
    services.training.stop(runId);
    await bus.next(isFinished);
    expect(services.training.get(runId).status).toBe('stopped');

    expect(() => services.training.start(config({ datasetPath: path.join(dataDir, 'nope'), epochs: 1, batchSize: 64 }))).toThrow(/does not exist/);
    const junk = path.join(dataDir, 'junk.txt');
    writeFileSync(junk, 'not data');
    const bad = services.training.start(config({ datasetPath: junk, epochs: 1, batchSize: 64 }));
    const failed = await bus.next(isFinished);
    expect(failed.payload.status).toBe('failed');
    expect(failed.payload.error).toMatch(/not a CIFAR-10 archive/);
    expect(services.training.get(bad.runId)).toMatchObject({ status: 'failed', resumable: false });
    await services.close();
  }, 240_000);
});
