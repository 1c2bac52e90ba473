/**
 * `npm run bench:full-cifar -- [--epochs N] [--out file]`: the textbook recipe on all of
 * CIFAR-10 (45,000 training and 5,000 validation images, augmentation, the three callbacks),
 * logging each epoch's validation and test accuracy and the wall time, one JSON line per epoch,
 * and the final test accuracy of the restored best model.
 */
import { appendFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { trainingConfigSchema } from '@shared/ipc/contract';
import { importCifar10 } from '../src-main/services/ml/cifar/cifar-import';
import { selectBackend } from '../src-main/services/ml/runtime/backend-select';
import { trainCifar } from '../src-main/services/ml/training/cifar-trainer';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '50' },
    out: { type: 'string', default: path.join(os.tmpdir(), 'cifar-full-training.log') },
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../../shared/data/cifar10/cifar-10-images.tar.gz') },
  },
});
const log = (entry: object) => {
  const line = JSON.stringify({ at: new Date().toISOString(), ...entry });
  appendFileSync(values.out!, `${line}\n`);
  console.log(line);
};

const started = performance.now();
const backend = await selectBackend();
log({ event: 'start', backend: backend.backend, device: backend.device, epochs: Number(values.epochs) });
const dataset = await importCifar10(values.data!, path.join(os.tmpdir(), 'cxr-triage-test-cifar10-cache'));
const testX = tf.tidy(() => tf.div(tf.tensor4d(dataset.test.pixels, [dataset.test.count, 32, 32, 3], 'int32').toFloat(), 255));
const testY = tf.oneHot(tf.tensor1d(dataset.test.labels, 'int32'), 10).toFloat();
const dir = mkdtempSync(path.join(os.tmpdir(), 'cifar-full-'));
const config = trainingConfigSchema.parse({ datasetPath: values.data, epochs: Number(values.epochs), batchSize: 64, augment: true });
const result = await trainCifar(
  dataset,
  config,
  { lastDir: path.join(dir, 'last'), bestDir: path.join(dir, 'best') },
  {
    onBatch: () => {},
    onEpoch: () => {},
    checkpointGate: async () => 'go',
    afterEpoch: async (model, record) => {
      const [loss, accuracy] = model.evaluate(testX, testY, { batchSize: 256 }) as tf.Scalar[];
      const testAccuracy = (await accuracy!.data())[0];
      log({ event: 'epoch', ...record, testLoss: (await loss!.data())[0], testAccuracy, wallSeconds: (performance.now() - started) / 1000 });
      tf.dispose([loss, accuracy]);
    },
  },
  null,
);
log({
  event: 'done',
  epochs: result.history.length,
  testAccuracy: result.metrics?.testAccuracy,
  testLoss: result.metrics?.testLoss,
  bestEpoch: result.metrics?.bestEpoch,
  wallSeconds: (performance.now() - started) / 1000,
  checkpoints: dir,
});
