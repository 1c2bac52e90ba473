import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pneumoniaTrainingConfigSchema, type PneumoniaModelMetadata } from '@shared/ipc/pneumonia-contract';
import { evaluateScores } from '@shared/metrics/pneumonia-evaluation';
import type { GreyImage } from '../../../../src-main/services/imaging/dicom/dicom-image';
import { loadBackbone } from '../../../../src-main/services/ml/pneumonia/backbone';
import { evaluatePneumoniaModel } from '../../../../src-main/services/ml/pneumonia/evaluate-pneumonia';
import { featureDistance, fitFeatureReference } from '../../../../src-main/services/ml/pneumonia/feature-reference';
import { heatmapPng } from '../../../../src-main/services/ml/pneumonia/heatmap-png';
import { loadGrey } from '../../../../src-main/services/ml/pneumonia/load-grey';
import { loadPneumoniaModel, PneumoniaModelFileError, savePneumoniaModel } from '../../../../src-main/services/ml/pneumonia/pneumonia-model-files';
import { createPneumoniaNetwork, disposeNetwork, type PneumoniaNetwork } from '../../../../src-main/services/ml/pneumonia/pneumonia-network';
import { createPneumoniaScorer } from '../../../../src-main/services/ml/pneumonia/pneumonia-scorer';
import { calibrationRecord } from '../../../../src-main/services/ml/pneumonia/probability-calibration';
import { preprocessImage } from '../../../../src-main/services/ml/pneumonia/preprocess';
import { selectBackend } from '../../../../src-main/services/ml/runtime/backend-select';
import { startComputeWorker } from '../../../../src-main/services/ml/runtime/compute-worker-client';
import type { FromWorker } from '../../../../src-main/services/ml/runtime/worker-protocol';
import { packModel, unpackModel } from '../../../../src-main/services/registry/model-package';
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
  it('gives the probability the network predicts, its pooled features and a non-uniform 14x14 heatmap', async () => {
    const results = await createPneumoniaScorer(network).scoreBatch(xrays);
    for (const [i, result] of results.entries()) {
      expect(result.probability).toBeCloseTo(await predicted(xrays[i]!), 5);
      expect([result.heatmap.width, result.heatmap.height, result.heatmap.data.length]).toEqual([14, 14, 196]);
      expect(result.logit).toBeCloseTo(Math.log(result.probability / (1 - result.probability)), 4);
      expect(result.features).toHaveLength(1280);
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

  it('saves and loads the feature reference with the model; a folder whose metadata names one must hold it', async () => {
    const dir = path.join(tmp, 'with-reference');
    const scored = await createPneumoniaScorer(network).scoreBatch([...xrays, ...xrays.map((x) => ({ ...x, data: x.data.map((v) => 255 - v) }))]);
    const features = scored.map((r) => r.features);
    const reference = fitFeatureReference({
      train: { features: features.slice(0, 3), groups: ['p1', 'p2', 'p3'] },
      val: features.slice(3),
      describe: { method: 'test', fittedOn: 'three images', cutoffSetOn: 'one validation image and three out of fold' },
    });
    const metadata = { ...metadataFor(network), featureReference: reference.summary, heatmapLayer: 'out_relu' };
    await expect(savePneumoniaModel(network, metadata, dir)).rejects.toThrow(/must come together/);
    await savePneumoniaModel(network, metadata, dir, reference);
    expect(existsSync(path.join(dir, 'feature-reference.json'))).toBe(true);
    const loaded = await loadPneumoniaModel(dir);
    try {
      expect(loaded.featureReference!.mean).toEqual(reference.mean);
      expect(loaded.featureReference!.components).toEqual(reference.components);
      expect(loaded.featureReference!.cutoffs).toEqual(reference.cutoffs);
      expect(featureDistance(loaded.featureReference!, features[0]!)).toBe(featureDistance(reference, features[0]!));
      expect(loaded.metadata.featureReference).toEqual(reference.summary);
    } finally {
      disposeNetwork(loaded);
    }
    // An exported .cxrmodel carries it; one whose metadata names it without the file is refused.
    const packed = await packModel(dir, { name: 'with reference', exportedAt: 'now', appVersion: 'test' });
    const imported = path.join(tmp, 'imported');
    await unpackModel(packed, imported);
    expect(readFileSync(path.join(imported, 'feature-reference.json'))).toEqual(readFileSync(path.join(dir, 'feature-reference.json')));
    rmSync(path.join(imported, 'feature-reference.json'));
    await expect(unpackModel(await packModel(imported, { name: 'x', exportedAt: 'now', appVersion: 'test' }), path.join(tmp, 'refused'))).rejects.toThrow(/holds no feature-reference\.json/);
    const old = await loadPneumoniaModel(path.join(tmp, 'saved'));
    expect(old.featureReference).toBeNull();
    disposeNetwork(old);
    rmSync(path.join(dir, 'feature-reference.json'));
    await expect(loadPneumoniaModel(dir)).rejects.toThrow(/names a feature reference but the folder has no feature-reference\.json/);
  }, 60_000);

  it('is scored by the compute worker with its temperature, 14x14 heatmap and feature distance', async () => {
    const dir = path.join(tmp, 'for-worker');
    const samples = realSamples('train', 6);
    const features = (await createPneumoniaScorer(network).scoreBatch(await Promise.all(samples.map((s) => loadGrey(s))))).map((r) => r.features);
    const reference = fitFeatureReference({
      train: { features: features.slice(0, 8), groups: samples.slice(0, 8).map((s) => s.patientId ?? s.path) },
      val: features.slice(8),
      describe: { method: 'test', fittedOn: 'eight images', cutoffSetOn: 'four validation images and eight out of fold' },
    });
    const calibration = calibrationRecord(2, { logits: [1, -1], labels: [1, 0], describedAs: 'fixture' }, { logits: [1], labels: [1] });
    await savePneumoniaModel(network, { ...metadataFor(network), calibration, featureReference: reference.summary, heatmapLayer: 'out_relu' }, dir, reference);
    const expected = await createPneumoniaScorer(network, { temperature: 2 }).score(xrays[0]!);
    const picture = path.join(tmp, 'picture.png');
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 90 } } }).png().toFile(picture);

    const worker = startComputeWorker();
    const messages: FromWorker[] = [];
    let waiting: { type: FromWorker['type']; resolve: () => void } | null = null;
    worker.onMessage((message) => {
      messages.push(message);
      if (waiting && (message.type === waiting.type || message.type === 'error')) waiting.resolve();
    });
    const ended = (type: FromWorker['type']) => new Promise<void>((resolve) => (waiting = { type, resolve }));
    const images = [
      { imageId: 1, path: realSamples('test', 1)[0]!.path, format: 'jpeg' as const },
      { imageId: 2, path: picture, format: 'png' as const },
      { imageId: 3, path: path.join(tmp, 'missing.png'), format: 'png' as const },
    ];
    let done = ended('scoring-done');
    worker.send({ type: 'score', requestId: 1, priority: 1, modelDir: dir, images });
    await done;
    done = ended('heatmaps-done');
    worker.send({ type: 'heatmaps', requestId: 2, priority: 3, modelDir: dir, images: images.slice(0, 1) });
    await done;
    await worker.terminate();
    const scored = messages.filter((m): m is Extract<FromWorker, { type: 'scored' }> => m.type === 'scored');
    expect(scored.map((m) => [m.requestId, m.imageId])).toEqual([[1, 1], [1, 2]]);
    expect(messages.filter((m) => m.type === 'score-failed').map((m) => (m as { imageId: number }).imageId)).toEqual([3]);
    expect(scored[0]!.probability).toBeCloseTo(expected.probability, 5);
    expect(scored[0]!.featureDistance).toBeCloseTo(featureDistance(reference, expected.features), 3);
    expect(scored[1]!.featureDistance).toBeGreaterThan(1);
    const heatmap = messages.find((m): m is Extract<FromWorker, { type: 'heatmap' }> => m.type === 'heatmap')!;
    expect(heatmap.imageId).toBe(1);
    const png = await sharp(heatmap.heatmapPng).metadata();
    expect([png.width, png.height]).toEqual([14, 14]);
    // The worker's heatmap is the scorer's, pixel for pixel.
    const data = await sharp(heatmap.heatmapPng).extractChannel(0).raw().toBuffer();
    expect(Math.max(...Array.from(data, (v, i) => Math.abs(v - expected.heatmap.data[i]!)))).toBeLessThanOrEqual(1);
  }, 120_000);

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
