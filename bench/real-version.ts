/**
 * A real pneumonia model folder for benchmarks that time scoring: the app's own recipe
 * (MobileNetV2 0.35 with the shared ImageNet weights, the same head, calibration, feature
 * reference, heatmap layer) on ../shared/data/chest_xray, cut short (one epoch, a few training
 * images) because only its shape and cost matter here, not its accuracy. Reused when `dir`
 * already holds one.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pneumoniaTrainingConfigSchema } from '@shared/ipc/pneumonia-contract';
import { splitDataset } from '../src-main/services/ml/pneumonia/dataset-split';
import { listKaggleSamples } from '../src-main/services/ml/pneumonia/kaggle-samples';
import { runPneumoniaTraining } from '../src-main/services/ml/pneumonia/run-pneumonia-training';
import { selectBackend } from '../src-main/services/ml/runtime/backend-select';

export async function realVersion(dir: string, sharedData: string): Promise<{ dir: string; trainedNow: boolean }> {
  if (existsSync(path.join(dir, 'metadata.json'))) return { dir, trainedNow: false };
  await selectBackend('wasm');
  const chest = path.join(sharedData, 'chest_xray');
  const config = pneumoniaTrainingConfigSchema.parse({
    backbone: { kind: 'mobilenetv2', weightsPath: path.join(sharedData, 'weights', 'mobilenetv2_035_224_imagenet_tm') },
    data: { kind: 'folder', path: chest },
    phase1: { epochs: 1, learningRate: 1e-3, earlyStoppingPatience: 5, reduceLrPatience: 3 },
    phase2: { epochs: 0, learningRate: 1e-5, earlyStoppingPatience: 7, reduceLrPatience: 4 },
    maxTrainImages: 160,
    backend: 'wasm',
  });
  const data = splitDataset(await listKaggleSamples(chest), { ...config, source: chest });
  const run = await runPneumoniaTraining({ config, data, outDir: dir, baseModelDir: null });
  if (run.outcome !== 'completed') throw new Error('The benchmark model did not finish training.');
  return { dir, trainedNow: true };
}
