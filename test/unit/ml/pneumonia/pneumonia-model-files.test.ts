import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pneumoniaTrainingConfigSchema, type PneumoniaModelMetadata } from '@shared/ipc/pneumonia-contract';
import { evaluateScores } from '@shared/metrics/pneumonia-evaluation';
import type { GreyImage } from '../../../../src-main/services/imaging/dicom/dicom-image';
import { loadBackbone } from '../../../../src-main/services/ml/pneumonia/backbone';
import { evaluatePneumoniaModel } from '../../../../src-main/services/ml/pneumonia/evaluate-pneumonia';
import { heatmapPng } from '../../../../src-main/services/ml/pneumonia/heatmap-png';
import { loadGrey } from '../../../../src-main/services/ml/pneumonia/load-grey';
import { loadPneumoniaModel, PneumoniaModelFileError, savePneumoniaModel } from '../../../../src-main/services/ml/pneumonia/pneumonia-model-files';
import { createPneumoniaNetwork, disposeNetwork, type PneumoniaNetwork } from '../../../../src-main/services/ml/pneumonia/pneumonia-network';
import { createPneumoniaScorer } from '../../../../src-main/services/ml/pneumonia/pneumonia-scorer';
import { preprocessImage } from '../../../../src-main/services/ml/pneumonia/preprocess';
import { selectBackend } from '../../../../src-main/services/ml/runtime/backend-select';
import { MOBILENET_WEIGHTS, realSamples } from '../../../support/pneumonia-real';
import { requireSharedData } from '../../../support/shared-data';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cxr-pn-model-'));
let network: PneumoniaNetwork;
let xrays: GreyImage[];

function metadataFor(net: PneumoniaNetwork): PneumoniaModelMetadata {
  const counts = { normal: 2, pneumonia: 2 };
  return {
    format: 'cxr-triage-pneumonia-model',
    formatVersion: 1,
    task: 'pneumonia',
    architecture: net.backbone.architecture,
    backbone: { kind: 'mobilenetv2', pretrained: true, weightsSource: net.backbone.weightsSource, lastBlockLayers: net.backbone.lastBlockLayers },
    preprocessing: net.backbone.preprocessing,
    classNames: ['normal', 'pneumonia'],
    trainingConfig: pneumoniaTrainingConfigSchema.parse({ backbone: { kind: 'mobilenetv2', weightsPath: null }, data: { kind: 'folder', path: '/data' } }),
    dataset: { fingerprint: 'f', source: '/data', train: counts, val: counts, test: counts, validationSplit: 'given', patients: { train: 4, val: 4, test: 4 } },
    history: [],
    evaluation: evaluateScores([0.9, 0.2, 0.6, 0.1], [1, 0, 1, 0], { threshold: 0.3, targetSensitivity: 0.95, evaluatedOn: 'fixture', msPerImage: 1 }),
    threshold: 0.3,
    backend: 'wasm',
    intendedUse: 'Test.',
    createdAt: new Date().toISOString(),
  };
}

/** The plain model.predict route: preprocess, backbone, head. */
async function predicted(image: GreyImage): Promise<number> {
  const x = await preprocessImage(image, network.backbone.preprocessing);
  const p = tf.tidy(() => network.head.predict(network.backbone.featureModel.predict(x) as tf.Tensor) as tf.Tensor);
  const value = (await p.data())[0]!;
  tf.dispose([x, p]);
  return value;
}

beforeAll(async () => {
  await selectBackend('wasm');
  network = createPneumoniaNetwork(await loadBackbone({ kind: 'mobilenetv2', weightsPath: requireSharedData(MOBILENET_WEIGHTS) }), 9);
  xrays = await Promise.all(realSamples('test', 2).map((s) => loadGrey(s)));
}, 60_000);

afterAll(() => {
  disposeNetwork(network);
  rmSync(tmp, { recursive: true, force: true });
});

describe('scoring with Grad-CAM', () => {
  it('gives the probability the network predicts and a non-uniform heatmap at the feature-map size', async () => {
    const results = await createPneumoniaScorer(network).scoreBatch(xrays);
    for (const [i, result] of results.entries()) {
      expect(result.probability).toBeCloseTo(await predicted(xrays[i]!), 5);
      expect([result.heatmap.width, result.heatmap.height, result.heatmap.data.length]).toEqual([7, 7, 49]);
      expect(Math.max(...result.heatmap.data)).toBe(255);
      expect(new Set(result.heatmap.data).size).toBeGreaterThan(3);
    }
    const single = await createPneumoniaScorer(network).score(xrays[0]!);
    expect(single.probability).toBeCloseTo(results[0]!.probability, 6);
    const png = await heatmapPng(single.heatmap);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  }, 60_000);
});

describe('the model folder', () => {
  it('round-trips: identical scores and heatmaps, preprocessing from the metadata', async () => {
    const dir = path.join(tmp, 'saved');
    const metadata = metadataFor(network);
    await savePneumoniaModel(network, metadata, dir);
    const loaded = await loadPneumoniaModel(dir);
    try {
      expect(loaded.backbone.preprocessing).toEqual(metadata.preprocessing);
      expect(loaded.metadata.threshold).toBe(0.3);
      const before = await createPneumoniaScorer(network).scoreBatch(xrays);
      const after = await createPneumoniaScorer(loaded).scoreBatch(xrays);
      expect(after.map((r) => r.probability)).toEqual(before.map((r) => r.probability));
      expect(after.map((r) => Array.from(r.heatmap.data))).toEqual(before.map((r) => Array.from(r.heatmap.data)));
    } finally {
      disposeNetwork(loaded);
    }
    const evaluation = await evaluatePneumoniaModel(dir, realSamples('test', 2), { evaluatedOn: 'four test images', threshold: 0.3, targetSensitivity: 0.95 });
    expect(evaluation.images).toBe(4);
    expect(evaluation.evaluatedOn).toBe('four test images');
    expect(evaluation.msPerImage).toBeGreaterThan(0);
  }, 60_000);

  it('refuses metadata that fails the schema, saying which field, and a folder without metadata', async () => {
    const dir = path.join(tmp, 'saved');
    const file = path.join(dir, 'metadata.json');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(good), preprocessing: { colour: 'rgb' } }));
    await expect(loadPneumoniaModel(dir)).rejects.toThrow(PneumoniaModelFileError);
    await expect(loadPneumoniaModel(dir)).rejects.toThrow(/not a pneumonia model's metadata \(preprocessing\.colour/);
    writeFileSync(file, '{ not json');
    await expect(loadPneumoniaModel(dir)).rejects.toThrow(/not valid JSON/);
    await expect(loadPneumoniaModel(tmp)).rejects.toThrow(/has no metadata\.json/);
    writeFileSync(file, good);
  });
});
