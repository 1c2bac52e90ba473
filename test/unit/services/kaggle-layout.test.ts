import { describe, expect, it } from 'vitest';
import { layoutPath, readPathFacts } from '../../../src-main/services/imports/kaggle-layout';

describe('Kaggle chest-xray layout', () => {
  it('reads label, split and patient from the path', () => {
    expect(readPathFacts('chest_xray/train/PNEUMONIA/person1011_bacteria_2942.jpeg')).toEqual({
      label: 'pneumonia',
      split: 'train',
      patientId: 'person1011',
    });
    expect(readPathFacts('test/NORMAL/IM-0117-0001.jpeg')).toEqual({ label: 'normal', split: 'test', patientId: 'IM-0117' });
    expect(readPathFacts('val/normal/NORMAL2-IM-1427-0001.jpeg')).toMatchObject({ label: 'normal', patientId: 'NORMAL2-IM-1427' });
  });

  it('knows nothing it cannot read from the path', () => {
    expect(readPathFacts('scans/2024/chest.png')).toEqual({ label: null, split: null, patientId: null });
  });
});

describe('layout facts around the imported folder', () => {
  it('reads the split and label from the imported folder and its parent, not from higher up', () => {
    expect(readPathFacts(layoutPath('/data/chest_xray/test', 'PNEUMONIA/person1_virus_2.jpeg'))).toMatchObject({
      split: 'test',
      label: 'pneumonia',
    });
    expect(readPathFacts(layoutPath('/data/chest_xray/val/NORMAL', 'IM-0001-0001.jpeg'))).toMatchObject({ split: 'val', label: 'normal' });
    expect(readPathFacts(layoutPath('/home/test/xrays/incoming', 'scan.png'))).toMatchObject({ split: null, label: null });
  });
});
