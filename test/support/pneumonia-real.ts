import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { patientFromFileName } from '../../src-main/services/imports/kaggle-layout';
import type { PneumoniaSample } from '../../src-main/services/ml/pneumonia/pneumonia-sample';
import { requireSharedData } from './shared-data';

export const MOBILENET_WEIGHTS = 'weights/mobilenetv2_035_224_imagenet_tm';

/** The first `perClass` real chest X-rays of each class in a split (sorted by name, so stable). */
export function realSamples(split: 'train' | 'val' | 'test', perClass: number): PneumoniaSample[] {
  const root = requireSharedData('chest_xray');
  return (['NORMAL', 'PNEUMONIA'] as const).flatMap((folder) =>
    readdirSync(path.join(root, split, folder))
      .sort()
      .slice(0, perClass)
      .map((name): PneumoniaSample => {
        const file = path.join(root, split, folder, name);
        return {
          path: file,
          format: 'jpeg',
          label: folder === 'PNEUMONIA' ? 1 : 0,
          patientId: patientFromFileName(name),
          split,
          contentHash: createHash('sha256').update(readFileSync(file)).digest('hex'),
        };
      }),
  );
}
