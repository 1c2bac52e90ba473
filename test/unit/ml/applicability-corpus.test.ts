import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent, JobFinished, StudyRow } from '@shared/ipc/contract';
import { flagCounts, isFlagged } from '@shared/metrics/triage-priority';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { exportWorklistCsv } from '../../../src-main/services/exports/worklist-export';
import { tempDir } from '../../support/fixtures';
import { requireSharedData } from '../../support/shared-data';
import { writeTinyPneumoniaModel } from '../../support/tiny-pneumonia-model';

/**
 * The whole shared corpus (every DICOM file and every chest JPEG) scored by an activated version
 * trained on children aged one to five: the defects a first user met (a spine, a hip and a CT
 * flagged at 100 %, an adult scored with no warning, counts that disagreed) are checked here.
 */
let services: AppServices;
let rows: StudyRow[];
let rowsBeforeAnyVersion: StudyRow[];
let versionId: number;

function parseCsv(csv: string): Record<string, string>[] {
  const [header, ...lines] = csv.trim().split(/\r?\n/).map((line) => line.split(','));
  return lines.map((cells) => Object.fromEntries(header!.map((name, i) => [name, cells[i] ?? ''])));
}

beforeAll(async () => {
  services = openAppServices(await tempDir('cxr-corpus-'));
  for (const folder of [requireSharedData('dicom'), requireSharedData('chest_xray')]) {
    await services.jobs.waitFor(await services.importer.start(folder));
  }
  rowsBeforeAnyVersion = services.studies.list({ limit: 100_000, offset: 0 }).rows;
  const staging = services.registry.stagingDir();
  await writeTinyPneumoniaModel(staging, {
    threshold: 0.5,
    population: { modalities: [], views: ['PA', 'AP'], bodyParts: ['CHEST'], ageYears: { min: 1, max: 5 }, source: 'test: children aged one to five' },
  });
  versionId = services.registry.register(staging, 'children 1-5', 'model.trained').id;
  const finished = new Promise<JobFinished>((resolve) =>
    services.jobs.onEvent((event: AppEvent) => {
      if (event.name === 'job.finished' && event.payload.kind === 'activation') resolve(event.payload);
    }),
  );
  services.scoring.activate(versionId);
  expect((await finished).status).toBe('completed');
  rows = services.studies.list({ limit: 100_000, offset: 0 }).rows;
}, 300_000);
afterAll(async () => services?.close());

describe('one applicability rule over the whole shared corpus', () => {
  it('gives every study a verdict from the active version, and no score where the version does not apply', () => {
    expect(rows.length).toBeGreaterThan(685 + 50);
    expect(rows.every((r) => r.verdict !== null && r.modelVersionId === versionId)).toBe(true);
    const notApplicable = rows.filter((r) => r.status === 'not_applicable');
    expect(notApplicable.length).toBeGreaterThan(30);
    for (const row of notApplicable) {
      expect(row.verdict).toBe('not_applicable');
      expect(row.probability).toBeNull();
      expect(isFlagged(row, 0)).toBe(false);
    }
    // Every chest JPEG is in scope or (by its features) unusual, never not applicable.
    const jpegs = rows.filter((r) => r.modality === null && r.label !== null);
    expect(jpegs).toHaveLength(685);
    expect(jpegs.every((r) => r.verdict !== 'not_applicable' && r.probability !== null)).toBe(true);
  });

  it('says "not applicable" for what the import refused even before any version has scored it', () => {
    const refused = rowsBeforeAnyVersion.filter((r) => r.status === 'not_applicable');
    expect(refused.length).toBeGreaterThan(30);
    expect(refused.every((r) => r.verdict === 'not_applicable' && r.probability === null && r.verdictReason !== null)).toBe(true);
    expect(rowsBeforeAnyVersion.filter((r) => r.status !== 'not_applicable').every((r) => r.verdict === null)).toBe(true);
  });

  it('marks the adult chest CR (born 1940) outside the population of children, with the age in the reason', () => {
    const adult = rows.find((r) => r.fileName.includes('RG1'))!;
    expect(adult.modality).toBe('CR');
    expect(adult.verdict).toBe('outside_population');
    expect(adult.verdictReason).toMatch(/^age 64 years \(trained on 1–5 years\)/);
    expect(adult.probability).not.toBeNull();
  });

  it('the flagged set is the same from the counts, the rows and the CSV, at any threshold', () => {
    const csv = parseCsv(exportWorklistCsv({ studies: services.studies, models: services.models, audit: services.audit }, false).csv);
    expect(csv).toHaveLength(rows.length);
    const threshold = services.models.active('pneumonia')!.threshold;
    const fromRows = new Set(rows.filter((r) => isFlagged(r, threshold)).map((r) => String(r.id)));
    const fromCsv = new Set(csv.filter((r) => r.flagged === 'true').map((r) => r.study));
    expect(fromCsv).toEqual(fromRows);
    expect(flagCounts(rows, threshold).flagged).toBe(fromRows.size);
    for (const line of csv.filter((r) => r.verdict === 'not_applicable')) {
      expect([line.probability, line.flagged]).toEqual(['', 'false']);
    }
    expect(csv.find((r) => r.verdict === 'outside_population')?.verdict_reason).toMatch(/age 64 years/);
  });
});
