import { cp, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StudyRow } from '@shared/ipc/contract';
import type { Verdict } from '@shared/domain/verdict';
import { openAppServices } from '../../../src-main/services/app/app-services';
import { seedPredictions } from '../../support/seed-predictions';
import { test as base } from './browser-host';
import { chestXrayTestSplit } from './chest-xray';
import { startBrowserHost, type HostFixture } from './browser-host';

export interface SeededData {
  dir: string;
  studies: number;
  /** The study made to wait a day: unread, with the lowest fixture score, so only the aging rule can lift it. */
  agedStudyId: number;
  /** Studies the fixture version gave each verdict other than in scope, with the reason it stored. */
  verdicts: { studyId: number; fileName: string; verdict: Verdict; reason: string }[];
}

/**
 * A few studies get each verdict a real version can give, so every screen shows them: every 13th
 * study outside the population, every 17th an unusual image, every 19th one the version does not
 * apply to (its score is then stored as none).
 */
function fixtureVerdict(row: StudyRow): { verdict: Verdict; reason: string } | null {
  if (row.id % 19 === 0) return { verdict: 'not_applicable', reason: 'lateral view (LL; trained on PA/AP)' };
  if (row.id % 17 === 0) return { verdict: 'unusual_image', reason: "unlike the version's training images" };
  if (row.id % 13 === 0) return { verdict: 'outside_population', reason: 'age 86 years (trained on 1–5 years)' };
  return null;
}

/**
 * A data folder with the real chest X-ray test split imported and fixture predictions (with
 * heatmaps) stored for every study, built once per worker; each test gets its own copy.
 */
async function seedDataDir(): Promise<SeededData> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cxr-e2e-seed-'));
  const services = openAppServices(dir);
  try {
    const jobId = await services.importer.start(chestXrayTestSplit().folder);
    const finished = await services.jobs.waitFor(jobId);
    if (finished.status !== 'completed') throw new Error(`seeding import ${finished.status}: ${finished.error}`);
    await seedPredictions(services, { heatmaps: true, verdictOf: fixtureVerdict });
    const { rows } = services.studies.list({ limit: 100_000, offset: 0 });
    const verdicts = rows.flatMap((row) => {
      const given = fixtureVerdict(row);
      return given ? [{ studyId: row.id, fileName: row.fileName, ...given }] : [];
    });
    // The aging rule is shown on an ordinary study: in scope, with the lowest score.
    const lowest = rows.filter((row) => row.verdict === 'in_scope').reduce((a, b) => ((b.probability ?? 1) < (a.probability ?? 1) ? b : a));
    // Imports stamp every study with the moment it arrived, so all of them are minutes old. The
    // aging rule is about studies waiting for hours; no service may back-date a study, so the
    // test alone rewrites one study's import time to a day ago.
    services.db
      .prepare('UPDATE studies SET imported_at = ? WHERE id = ?')
      .run(new Date(Date.now() - 24 * 3600_000).toISOString(), lowest.id);
    return { dir, studies: rows.length, agedStudyId: lowest.id, verdicts };
  } finally {
    await services.close();
  }
}

/** `stop` lets a test change the copy's database (no second process may write while the host runs) and start its own host on it. */
export const test = base.extend<{ seeded: HostFixture & SeededData & { stop(): Promise<void> } }, { seedTemplate: SeededData }>({
  seedTemplate: [
    async ({}, use) => {
      await use(await seedDataDir());
    },
    { scope: 'worker' },
  ],
  seeded: async ({ seedTemplate }, use) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cxr-e2e-copy-'));
    await cp(seedTemplate.dir, dir, { recursive: true });
    const host = await startBrowserHost(dir);
    await use({ ...host, ...seedTemplate, dir });
    await host.stop();
  },
});

export { expect } from './browser-host';
