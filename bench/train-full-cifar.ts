/**
 * `npm run bench:full-cifar -- [--epochs N] [--out file] [--dir folder]`: the textbook recipe on all of
 * CIFAR-10 (45,000 training and 5,000 validation images, augmentation, the three callbacks),
 * logging each epoch's validation and test accuracy and the wall time, one JSON line per epoch,
 * and the final test accuracy of the restored best model. With `--dir`, checkpoints live there and a
 * second call resumes from the last completed epoch (the app's own resume path), so a run of
 * several hours can be spread over as many sittings as it takes.
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { trainingConfigSchema } from '@shared/ipc/contract';
import { importCifar10 } from '../src-main/services/ml/cifar/cifar-import';
import { selectBackend } from '../src-main/services/ml/runtime/backend-select';
import { trainCifar, type ResumeState } from '../src-main/services/ml/training/cifar-trainer';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '50' },
    out: { type: 'string', default: path.join(os.tmpdir(), 'cifar-full-training.log') },
    dir: { type: 'string' },
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
const dir = values.dir ? path.resolve(values.dir) : mkdtempSync(path.join(os.tmpdir(), 'cifar-full-'));
mkdirSync(dir, { recursive: true });
const metadataFile = path.join(dir, 'last', 'metadata.json');
const resume = existsSync(metadataFile) ? (JSON.parse(readFileSync(metadataFile, 'utf8')) as { resume: ResumeState }).resume : null;
if (resume) log({ event: 'resume', fromEpoch: resume.epochsDone, bestValAccuracy: resume.bestValAccuracy, learningRate: resume.learningRate });
const config = trainingConfigSchema.parse({ datasetPath: values.data, epochs: Number(values.epochs), batchSize: 64, augment: true });
const result = await trainCifar(
  dataset,
  config,
  { lastDir: path.join(dir, 'last'), bestDir: path.join(dir, 'best'), restoreDir: path.join(dir, 'lowest-val-loss') },
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
  resume,
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
