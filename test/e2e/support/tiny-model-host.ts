import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openAppServices } from '../../../src-main/services/app/app-services';
import { writeTinyPneumoniaModel } from '../../support/tiny-pneumonia-model';
import { test as base } from './browser-host';
import { startBrowserHost, type HostFixture } from './browser-host';
import { chestXrayTestSplit } from './chest-xray';

export const TINY_MODEL_NAME = 'tiny-v1';

/**
 * A fresh data folder whose active version is the tiny real model (test/support/tiny-pneumonia-model.ts),
 * so whatever arrives is really scored, with three chest X-rays of the test split imported and scored:
 * the worklist is open from the start, not the first-run screen.
 */
async function tinyModelDataDir(): Promise<{ dir: string; studies: number }> {
  const split = chestXrayTestSplit();
  const source = await mkdtemp(path.join(os.tmpdir(), 'cxr-e2e-tiny-source-'));
  const files = [['NORMAL', split.normal[0]!], ['PNEUMONIA', split.pneumonia[0]!], ['PNEUMONIA', split.pneumonia[1]!]] as const;
  for (const [label, name] of files) {
    await mkdir(path.join(source, label), { recursive: true });
    await copyFile(path.join(split.folder, label, name), path.join(source, label, name));
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cxr-e2e-tiny-'));
  const services = openAppServices(dir, { startDicomNode: false });
  try {
    const staging = services.registry.stagingDir();
    await writeTinyPneumoniaModel(staging, { threshold: 0.3, seed: 1 });
    const version = services.registry.register(staging, TINY_MODEL_NAME, 'model.trained');
    services.models.activate(version.id);
    const finished = await services.jobs.waitFor(await services.importer.start(source));
    if (finished.status !== 'completed') throw new Error(`seeding import ${finished.status}: ${finished.error}`);
    // The import's end starts scoring; the worklist should open with every score in.
    const scored = services.db.prepare('SELECT COUNT(*) FROM predictions WHERE model_version_id = ?').pluck();
    const until = Date.now() + 60_000;
    while ((scored.get(version.id) as number) < files.length) {
      if (Date.now() > until) throw new Error('the tiny model did not score the seeded studies in time');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await services.close();
  }
  return { dir, studies: files.length };
}

export const test = base.extend<{ tinyModelHost: HostFixture & { studies: number } }>({
  tinyModelHost: async ({}, use) => {
    const { dir, studies } = await tinyModelDataDir();
    const host = await startBrowserHost(dir);
    await use({ ...host, studies });
    await host.stop();
  },
});

export { expect } from './browser-host';
