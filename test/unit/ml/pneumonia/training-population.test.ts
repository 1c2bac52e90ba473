import { describe, expect, it } from 'vitest';
import { pneumoniaTrainingConfigSchema } from '@shared/ipc/pneumonia-contract';
import type { PneumoniaSample } from '../../../../src-main/services/ml/pneumonia/pneumonia-sample';
import { folderPopulation, KERMANY_SOURCE } from '../../../../src-main/services/ml/pneumonia/training-population';

const sample = (name: string): PneumoniaSample => ({ path: `/data/train/NORMAL/${name}`, format: 'jpeg', label: 0, patientId: null, split: 'train', contentHash: name });
const kermany = ['person1011_bacteria_2942.jpeg', 'person3_virus_15.jpeg', 'IM-0117-0001.jpeg', 'NORMAL2-IM-1427-0001.jpeg'].map(sample);
const site = [...kermany, sample('chest_0001.png')];
const config = (populationAgeYears: { min: number; max: number } | null = null) =>
  pneumoniaTrainingConfigSchema.parse({ backbone: { kind: 'mobilenetv2', weightsPath: null }, data: { kind: 'folder', path: '/data' }, populationAgeYears });

describe('the population of a version trained on a folder', () => {
  it('is the Kermany dataset\'s children aged 1-5 only when every file is named as in that dataset', () => {
    expect(folderPopulation(config(), kermany)).toEqual({ modalities: [], views: ['PA', 'AP'], bodyParts: ['CHEST'], ageYears: { min: 1, max: 5 }, source: KERMANY_SOURCE });
  });

  it('records no age for another folder unless the user states one', () => {
    expect(folderPopulation(config(), site)).toMatchObject({ ageYears: null, source: 'not stated for this folder' });
    expect(folderPopulation(config({ min: 18, max: 90 }), site)).toMatchObject({ ageYears: { min: 18, max: 90 }, source: 'ages stated by the user who trained this version' });
  });

  it('defaults the stated ages to null and refuses a reversed range', () => {
    expect(config().populationAgeYears).toBeNull();
    expect(() => config({ min: 9, max: 2 })).toThrow(/lowest age is above the highest/);
  });
});
