import path from 'node:path';
import type { Population, PneumoniaTrainingConfig } from '@shared/ipc/pneumonia-contract';
import type { PneumoniaSample } from './pneumonia-sample';

export const KERMANY_SOURCE = 'dataset description: Guangzhou pediatric chest X-rays, children aged one to five (Kermany et al., Cell 2018)';
const KERMANY_AGES = { min: 1, max: 5 };
/** Kermany's file names: `person1011_bacteria_2942.jpeg`, `person3_virus_15.jpeg`, `IM-0117-0001.jpeg`, `NORMAL2-IM-1427-0001.jpeg`. */
const KERMANY_NAME = /^(?:person\d+_(?:bacteria|virus)_\d+|(?:NORMAL2-)?IM-\d{4}-\d{4}(?:-\d{4})?)\.jpe?g$/i;

/**
 * The population of a version trained on a folder of PNG/JPEG images: frontal chest radiographs
 * with no modality to check (the files carry none). Ages only where they are known: those the
 * user stated when training, or the published description when every file is named as in the
 * Kermany dataset. A site's own folder in the same layout may hold adults, so nothing is assumed.
 */
export function folderPopulation(config: Pick<PneumoniaTrainingConfig, 'populationAgeYears'>, samples: readonly PneumoniaSample[]): Population {
  const kermany = samples.length > 0 && samples.every((s) => KERMANY_NAME.test(path.basename(s.path)));
  const stated = config.populationAgeYears;
  return {
    modalities: [],
    views: ['PA', 'AP'],
    bodyParts: ['CHEST'],
    ageYears: stated ?? (kermany ? KERMANY_AGES : null),
    source: kermany ? KERMANY_SOURCE : stated ? 'ages stated by the user who trained this version' : 'not stated for this folder',
  };
}
