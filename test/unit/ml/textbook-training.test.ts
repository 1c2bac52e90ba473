import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainingConfigSchema } from '@shared/ipc/contract';
import { selectBackend } from '../../../src-main/services/ml/runtime/backend-select';
import { trainCifar, type ResumeState } from '../../../src-main/services/ml/training/cifar-trainer';
import { loadModel } from '../../../src-main/services/ml/model-files';
import type { CifarDataset } from '../../../src-main/services/ml/cifar/cifar-dataset';
import { realCifar10 } from '../../support/cifar-real';

let dataset: CifarDataset;

beforeAll(async () => {
  await selectBackend('wasm');
  dataset = await realCifar10();
}, 180_000);

const go = async () => 'go' as const;
const paths = (dir: string) => ({ lastDir: path.join(dir, 'last'), bestDir: path.join(dir, 'best'), restoreDir: path.join(dir, 'lowest-val-loss') });
const quiet = { onBatch: () => {}, onEpoch: () => {}, checkpointGate: go };

describe('training the textbook CNN on real CIFAR-10 images', () => {
  it('lowers the loss and beats chance on held-out test images; keeps the best model in the store', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cxr-train-'));
    // Batch normalisation's moving variance starts at 1 and moves 1 % a step (Keras's momentum 0.99) towards the
    // first layer's real variance, about 0.002: after 625 steps it is still about twice that, and inference
    // was near chance in one run of four. 3 epochs of batch 8 (about 940 steps) bring it within a few percent.
    const config = trainingConfigSchema.parse({ datasetPath: 'unused', epochs: 3, batchSize: 8, subsetSize: 2500, augment: false, seed: 3 });
    const result = await trainCifar(dataset, config, paths(dir), quiet, null);
    expect(result.outcome).toBe('completed');
    expect(result.history).toHaveLength(3);
    expect(result.history.at(-1)!.loss).toBeLessThan(result.history[0]!.loss);
    // 500 held-out test images, 50 per class: chance is 10% (standard deviation 1.3 points); 15% is almost four above it.
    expect(result.metrics!.testCount).toBe(500);
    expect(result.metrics!.testAccuracy).toBeGreaterThan(0.15);
    const matrix = result.metrics!.confusionMatrix;
    expect(matrix.flat().reduce((a, b) => a + b, 0)).toBe(500);
    expect(matrix.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(new Array(10).fill(50));
    const best = await loadModel(path.join(dir, 'best'));
    const bestValAccuracy = Math.max(...result.history.map((e) => e.valAccuracy));
    expect((best.metadata as { valAccuracy: number }).valAccuracy).toBeCloseTo(bestValAccuracy, 6);
    expect(best.model.countParams()).toBe(1_196_586);
    best.model.dispose();
    // About 2 minutes on two idle cores; the room is for a busy machine, not a speed claim.
  }, 480_000);

  it('early stopping ends the run and restores the weights of the epoch with the lowest validation loss', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cxr-train-'));
    // A learning rate far too high for Adam makes validation loss jump around, so patience 1 triggers, usually
    // at epoch 2 or 3. One CI run improved 8 epochs in a row; 20 epochs leave room (a run stops long before).
    const config = trainingConfigSchema.parse({ datasetPath: 'unused', epochs: 20, batchSize: 32, subsetSize: 300, augment: false, learningRate: 0.05, seed: 5 });
    const result = await trainCifar(
      dataset,
      config,
      paths(dir),
      quiet,
      null,
      { earlyStoppingPatience: 1, plateauPatience: 1 },
    );
    const valLosses = result.history.map((e) => e.valLoss);
    const bestIndex = valLosses.indexOf(Math.min(...valLosses));
    expect(result.metrics!.stoppedEarly).toBe(true);
    expect(result.history.length).toBe(bestIndex + 2);
    expect(result.metrics!.bestEpoch).toBe(bestIndex + 1);
    expect(result.finalValLoss!).toBeCloseTo(valLosses[bestIndex]!, 3);
    // With patience 1, every epoch without improvement halves the learning rate for the next.
    for (let i = 1; i < result.history.length; i++) {
      const previous = result.history[i - 1]!;
      const improved = previous.valLoss < Math.min(...valLosses.slice(0, i - 1), Infinity);
      expect(result.history[i]!.learningRate).toBeCloseTo(improved ? previous.learningRate : previous.learningRate / 2, 10);
    }
    expect(tf.memory().numTensors).toBeLessThan(50);
  }, 240_000);

  it('a run resumed in a second sitting restores the lowest-validation-loss weights even when the first sitting saw them', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cxr-train-'));
    const settings = { datasetPath: 'unused', batchSize: 32, subsetSize: 300, augment: false, learningRate: 0.05, seed: 5 };
    const callbacks = { earlyStoppingPatience: 1, plateauPatience: 1 };
    const first = await trainCifar(dataset, trainingConfigSchema.parse({ ...settings, epochs: 1 }), paths(dir), quiet, null, callbacks);
    expect(first.history).toHaveLength(1);
    const { resume } = JSON.parse(readFileSync(path.join(dir, 'last', 'metadata.json'), 'utf8')) as { resume: ResumeState };
    expect(resume.epochsDone).toBe(1);
    const second = await trainCifar(dataset, trainingConfigSchema.parse({ ...settings, epochs: 20 }), paths(dir), quiet, resume, callbacks);
    const valLosses = second.history.map((e) => e.valLoss);
    expect(second.history[0]).toEqual(first.history[0]);
    // Whichever sitting saw the lowest validation loss, the final model is that epoch's.
    expect(second.finalValLoss!).toBeCloseTo(Math.min(...valLosses), 3);
  }, 240_000);
});
