import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { evaluateScores } from '@shared/metrics/pneumonia-evaluation';
import {
  pneumoniaModelMetadataSchema,
  pneumoniaTrainingConfigSchema,
  type PneumoniaModelMetadata,
  type Population,
} from '@shared/ipc/pneumonia-contract';
import { saveModel } from '../../src-main/services/ml/model-files';

/**
 * A real but tiny pneumonia model folder (28x28 input, a 7x7x4 feature map, a one-unit head) with
 * complete metadata: small enough for registry, packaging and scoring tests to write in milliseconds.
 * Its evaluation figures come from a fixed set of scores, not from the model.
 */
export async function writeTinyPneumoniaModel(
  dir: string,
  options: {
    threshold?: number;
    seed?: number;
    /** A hidden dense layer of this width in the head: makes the weights larger (5 floats a unit). */
    hiddenUnits?: number;
    population?: Population;
  } = {},
): Promise<PneumoniaModelMetadata> {
  const seed = options.seed ?? 1;
  const backbone = tf.sequential({
    layers: [tf.layers.conv2d({ inputShape: [28, 28, 3], filters: 4, kernelSize: 4, strides: 4, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) })],
  });
  const head = tf.sequential({
    layers: [
      tf.layers.globalAveragePooling2d({ inputShape: [7, 7, 4] }),
      ...(options.hiddenUnits ? [tf.layers.dense({ units: options.hiddenUnits, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) })] : []),
      tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
  const threshold = options.threshold ?? 0.3;
  const scores = [0.9, 0.8, 0.4, 0.2, 0.7, 0.3, 0.1, 0.05];
  const labels: (0 | 1)[] = [1, 1, 1, 1, 0, 0, 0, 0];
  const counts = { normal: 4, pneumonia: 4 };
  const metadata = pneumoniaModelMetadataSchema.parse({
    format: 'cxr-triage-pneumonia-model',
    formatVersion: 1,
    task: 'pneumonia',
    architecture: 'tiny test model (conv 4x4/4 + GAP + dense)',
    backbone: { kind: 'mobilenetv2', pretrained: false, weightsSource: null, lastBlockLayers: [] },
    preprocessing: { colour: 'grayscale-to-rgb', width: 28, height: 28, resize: 'bilinear', normalisation: 'unit' },
    classNames: ['normal', 'pneumonia'],
    trainingConfig: pneumoniaTrainingConfigSchema.parse({ backbone: { kind: 'mobilenetv2', weightsPath: null }, data: { kind: 'folder', path: '/data' } }),
    dataset: {
      fingerprint: `fixture-${seed}`,
      source: '/data',
      train: counts,
      val: counts,
      test: counts,
      validationSplit: 'given',
      patients: { train: 8, val: 8, test: 8 },
    },
    history: [],
    evaluation: evaluateScores(scores, labels, { threshold, targetSensitivity: 0.95, evaluatedOn: 'fixture scores', msPerImage: 1 }),
    threshold,
    backend: 'cpu',
    intendedUse: 'Test fixture.',
    createdAt: new Date().toISOString(),
    ...(options.population ? { population: options.population } : {}),
  });
  await saveModel(backbone, path.join(dir, 'backbone'), {});
  await saveModel(head, path.join(dir, 'head'), {});
  const { writeFileSync, rmSync } = await import('node:fs');
  // saveModel writes a metadata file beside each part; the package has one, at its root.
  rmSync(path.join(dir, 'backbone', 'metadata.json'));
  rmSync(path.join(dir, 'head', 'metadata.json'));
  writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify(metadata, null, 2));
  backbone.dispose();
  head.dispose();
  return metadata;
}
