import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pneumoniaTrainingConfigSchema, type PneumoniaEpochRecord } from '@shared/ipc/pneumonia-contract';
import { rocAuc, rocCurve } from '@shared/metrics/binary-roc';
import { loadBackbone, type Backbone } from '../../../../src-main/services/ml/pneumonia/backbone';
import { countClasses, fingerprintOf } from '../../../../src-main/services/ml/pneumonia/dataset-split';
import { loadPneumoniaModel, readPneumoniaMetadata } from '../../../../src-main/services/ml/pneumonia/pneumonia-model-files';
import { createPneumoniaNetwork, disposeNetwork, predictProbabilities } from '../../../../src-main/services/ml/pneumonia/pneumonia-network';
import { trainPneumonia, type PneumoniaTrainingSettings } from '../../../../src-main/services/ml/pneumonia/pneumonia-trainer';
import { ResizedImageCache } from '../../../../src-main/services/ml/pneumonia/resized-image-cache';
import { runPneumoniaTraining } from '../../../../src-main/services/ml/pneumonia/run-pneumonia-training';
import { selectBackend } from '../../../../src-main/services/ml/runtime/backend-select';
import { MOBILENET_WEIGHTS, realSamples } from '../../../support/pneumonia-real';
import { requireSharedData } from '../../../support/shared-data';

const train = realSamples('train', 12);
const val = realSamples('val', 6);
const heldOut = realSamples('test', 10);
let backbone: Backbone;
let images: ResizedImageCache;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cxr-pn-train-'));

const settings = (epochs1: number, epochs2: number): PneumoniaTrainingSettings => ({
  batchSize: 8,
  augment: true,
  classWeights: true,
  seed: 5,
  phase1: { epochs: epochs1, learningRate: 1e-3, earlyStoppingPatience: 10, reduceLrPatience: 10 },
  phase2: { epochs: epochs2, learningRate: 1e-4, earlyStoppingPatience: 10, reduceLrPatience: 10 },
});

const weightOf = (name: string) => backbone.featureModel.weights.find((w) => w.originalName === name)!.read().dataSync().slice();
const aucOn = (probabilities: Float32Array, labels: (0 | 1)[]) => rocAuc(rocCurve(Array.from(probabilities), labels));

beforeAll(async () => {
  await selectBackend('wasm');
  backbone = await loadBackbone({ kind: 'mobilenetv2', weightsPath: requireSharedData(MOBILENET_WEIGHTS) });
  images = new ResizedImageCache(backbone.preprocessing);
  await images.load([...train, ...val, ...heldOut]);
}, 60_000);

afterAll(() => {
  backbone.featureModel.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe('training the pneumonia model', () => {
  it('raises AUC on held-out images over the untrained head, leaks no tensors, and fine-tunes only the last block kernels', async () => {
    const network = createPneumoniaNetwork(backbone, 3);
    const heldOutPixels = heldOut.map((s) => images.get(s));
    const labels = heldOut.map((s) => s.label);
    const before = aucOn(predictProbabilities(network, heldOutPixels), labels);
    const frozenKernel = weightOf('block_15_project/kernel');
    const tunedKernel = weightOf('block_16_project/kernel');
    const frozenStats = weightOf('Conv_1_bn/moving_mean');
    const tensorsBefore = tf.memory().numTensors;
    const tensorsAtEpoch: number[] = [];
    const records: PneumoniaEpochRecord[] = [];
    const batches: number[][] = [];
    const result = await trainPneumonia(network, { train, val, images }, settings(3, 1), {
      onEpoch: (record) => {
        records.push(record);
        tensorsAtEpoch.push(tf.memory().numTensors);
      },
      onBatch: (phase, epoch, batch, total, loss) => {
        expect(Number.isFinite(loss)).toBe(true);
        batches.push([phase, epoch, batch, total]);
      },
    });
    expect(result.stopped).toBe(false);
    expect(records.map((r) => [r.phase, r.epoch])).toEqual([[1, 1], [1, 2], [1, 3], [2, 1]]);
    expect(batches.slice(0, 3)).toEqual([[1, 1, 1, 3], [1, 1, 2, 3], [1, 1, 3, 3]]);
    for (const r of records) for (const v of [r.auc, r.valAuc, r.accuracy, r.valAccuracy]) expect(v).toBeGreaterThanOrEqual(0);
    // From the second epoch on (the first creates Adam's slots and the best-weights snapshot) the count is flat.
    expect(tensorsAtEpoch[2]).toBe(tensorsAtEpoch[1]);
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    const after = aucOn(predictProbabilities(network, heldOutPixels), labels);
    expect(after).toBeGreaterThan(before);
    expect(after).toBeGreaterThanOrEqual(0.8);

    expect(weightOf('block_15_project/kernel')).toEqual(frozenKernel);
    expect(weightOf('Conv_1_bn/moving_mean')).toEqual(frozenStats);
    expect(weightOf('block_16_project/kernel')).not.toEqual(tunedKernel);
    network.head.dispose();
  }, 120_000);

  it('trains a backbone without pretrained weights whole in phase 1 (BN on batch statistics, its moving averages updated)', async () => {
    const scratch = createPneumoniaNetwork(await loadBackbone({ kind: 'mobilenetv2', weightsPath: null }), 6);
    const cache = new ResizedImageCache(scratch.backbone.preprocessing);
    const few = { train: realSamples('train', 4), val: realSamples('val', 2) };
    await cache.load([...few.train, ...few.val]);
    const first = scratch.backbone.featureModel.weights.find((w) => w.originalName === 'Conv1/kernel')!;
    const stats = scratch.backbone.featureModel.weights.find((w) => w.originalName === 'bn_Conv1/moving_mean')!;
    const [kernelBefore, statsBefore] = [first.read().dataSync().slice(), stats.read().dataSync().slice()];
    const result = await trainPneumonia(scratch, { ...few, images: cache }, settings(1, 0));
    expect(Number.isFinite(result.history[0]!.loss)).toBe(true);
    expect(first.read().dataSync()).not.toEqual(kernelBefore);
    expect(stats.read().dataSync()).not.toEqual(statsBefore);
    disposeNetwork(scratch);
  }, 60_000);

  it('stops at the gate, and waits at it while paused', async () => {
    const network = createPneumoniaNetwork(backbone, 4);
    let calls = 0;
    const stopped = await trainPneumonia(network, { train, val, images }, settings(2, 0), {
      gate: async () => (++calls >= 2 ? 'stop' : 'go'),
    });
    expect(stopped).toEqual({ history: [], stopped: true });
    expect(calls).toBe(2);

    let pausedFor = 0;
    const paused = await trainPneumonia(network, { train, val, images }, settings(1, 0), {
      gate: async () => {
        if (pausedFor === 0) {
          const started = performance.now();
          await new Promise((resolve) => setTimeout(resolve, 100));
          pausedFor = performance.now() - started;
        }
        return 'go';
      },
    });
    expect(pausedFor).toBeGreaterThanOrEqual(90);
    expect(paused.stopped).toBe(false);
    expect(paused.history).toHaveLength(1);
    network.head.dispose();
  }, 60_000);

  it('runs the worker\'s whole job: trains, evaluates on test, saves a loadable model; then fine-tunes from it', async () => {
    const small = { train: realSamples('train', 4), val: realSamples('val', 3), test: realSamples('test', 3) };
    const summary = {
      fingerprint: fingerprintOf(small),
      source: 'test subset',
      train: countClasses(small.train),
      val: countClasses(small.val),
      test: countClasses(small.test),
      validationSplit: 'given' as const,
      patients: { train: 8, val: 6, test: 6 },
    };
    const config = pneumoniaTrainingConfigSchema.parse({
      backbone: { kind: 'mobilenetv2', weightsPath: requireSharedData(MOBILENET_WEIGHTS) },
      data: { kind: 'folder', path: '/unused' },
      batchSize: 8,
      phase1: { epochs: 1, learningRate: 1e-3, earlyStoppingPatience: 5, reduceLrPatience: 3 },
      phase2: { epochs: 1, learningRate: 1e-5, earlyStoppingPatience: 7, reduceLrPatience: 4 },
    });
    const outDir = path.join(tmp, 'model');
    const stages = new Set<string>();
    const first = await runPneumoniaTraining({ config, data: { ...small, summary }, outDir, baseModelDir: null }, { onPhase: (stage) => stages.add(stage) });
    expect(first.outcome).toBe('completed');
    expect([...stages]).toEqual(['preparing', 'evaluating', 'saving']);
    const metadata = readPneumoniaMetadata(outDir);
    expect(metadata.evaluation.images).toBe(6);
    expect(metadata.history.map((r) => r.phase)).toEqual([1, 2]);
    expect(metadata.backbone.lastBlockLayers).toContain('block_16_depthwise');
    expect(metadata.preprocessing.normalisation).toBe('mobilenet');
    expect(metadata.backend).toBe('wasm');
    // Calibration and the threshold presets' ROC come from the validation images; the reference from train (+ out of fold) and val.
    expect(metadata.calibration!.temperature).toBeGreaterThan(0);
    expect(metadata.calibration!.fittedOn).toMatch(/^validation split of test subset .*, 6 images$/);
    expect(metadata.calibration!.test!.after.bins.reduce((n, b) => n + b.count, 0)).toBe(6);
    expect(metadata.validation!.images).toBe(6);
    expect(metadata.validation!.rocPoints.at(-1)).toMatchObject({ tp: 3, fp: 3, tn: 0, fn: 0 });
    expect(metadata.featureReference!.cutoffSetOn).toBe('6 validation images and 8 training images scored out of fold (4 folds by patient)');
    expect(metadata.heatmapLayer).toBe('out_relu');
    // Kermany's file names: the published ages.
    expect(metadata.population).toMatchObject({ modalities: [], views: ['PA', 'AP'], bodyParts: ['CHEST'], ageYears: { min: 1, max: 5 } });
    const saved = await loadPneumoniaModel(outDir);
    expect(saved.featureReference!.components.length).toBeGreaterThan(0);
    disposeNetwork(saved);

    const tunedDir = path.join(tmp, 'tuned');
    const second = await runPneumoniaTraining({ config, data: { ...small, summary }, outDir: tunedDir, baseModelDir: outDir });
    expect(second.outcome).toBe('completed');
    const tuned = await loadPneumoniaModel(tunedDir);
    expect(tuned.metadata.history).toHaveLength(2);
    disposeNetwork(tuned);
  }, 120_000);
});
