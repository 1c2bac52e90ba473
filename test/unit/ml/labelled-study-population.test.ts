import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { readDicomFile } from '../../support/dicom';
import { makeImage, tempDir, writeTree } from '../../support/fixtures';

/** A version trained on the database's labelled studies records their population from their DICOM attributes. */
let services: AppServices;

beforeAll(async () => {
  services = openAppServices(await tempDir('cxr-population-'));
  const folder = await tempDir('cxr-population-src-');
  await writeTree(folder, {
    'rg1.dcm': readDicomFile('wg04/J2KI__RG1_J2KI.dcm'),
    'rg3.dcm': readDicomFile('wg04/J2KR__RG3_J2KR.dcm'),
    'test/NORMAL/IM-0001-0001.png': await makeImage('png', 1),
  });
  await services.jobs.waitFor(await services.importer.start(folder));
  // Imports label only Kaggle-layout images; a site labels its DICOM studies itself (here, directly).
  services.db.prepare("UPDATE studies SET label = 'normal' WHERE modality = 'CR'").run();
});
afterAll(async () => services.close());

describe('population of database studies', () => {
  it('takes the modalities and frontal views present, and no age range when too few images record an age', () => {
    const population = services.studySamples.population();
    expect(population.modalities).toEqual(['CR']);
    expect(population.views).toEqual(['AP', 'PA']);
    expect(population.bodyParts).toEqual(['CHEST']);
    // Two of three images (the PNG has none) record an age: under the 80 % needed for a range.
    expect(population.ageYears).toBeNull();
    expect(population.source).toMatch(/2 of 3 images record an age/);
  });

  it('gives the age range of the chosen studies when they all record one', () => {
    const dicomStudies = services.studies.list({ limit: 10, offset: 0 }).rows.filter((r) => r.modality === 'CR').map((r) => r.id);
    const population = services.studySamples.population(dicomStudies);
    expect(population.ageYears).not.toBeNull();
    expect(population.ageYears!.min).toBeGreaterThan(18);
    expect(population.source).toMatch(/DICOM ages of 2 of the 2 training images/);
  });
});
