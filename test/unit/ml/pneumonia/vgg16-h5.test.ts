import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import h5wasm, { type Group } from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../src-main/services/ml/runtime/backend-select';
import { KerasWeightsError, loadKerasH5Weights, type KerasWeightsFailure } from '../../../../src-main/services/ml/pneumonia/keras-h5-weights';
import {
  buildVgg16Backbone,
  VGG16_LAST_BLOCK,
  VGG16_LAYER_NAMES,
  VGG16_PREPROCESSING,
} from '../../../../src-main/services/ml/pneumonia/vgg16-backbone';
import { preprocessingSpecSchema } from '@shared/ipc/pneumonia-contract';
import { loadBackbone } from '../../../../src-main/services/ml/pneumonia/backbone';

interface H5Weight {
  name: string;
  shape: number[];
  data: Float32Array;
}
interface H5Layer {
  name: string;
  weights: H5Weight[];
}

/** What Keras 2's `save_weights` writes: layer_names on the root, weight_names per layer, datasets at layer/weight_name. */
function writeKerasH5(file: string, layers: H5Layer[], options: { fullModel?: boolean; weightNames?: (layer: H5Layer) => string[] } = {}): void {
  const f = new h5wasm.File(file, 'w');
  try {
    f.create_attribute('keras_version', '2.13.1');
    f.create_attribute('backend', 'tensorflow');
    const root = options.fullModel ? f.create_group('model_weights') : f;
    if (options.fullModel) f.create_attribute('model_config', '{"class_name": "Functional"}');
    // Keras stores the names as fixed-length byte strings (numpy 'S').
    const fixed = (names: string[]) => `S${Math.max(1, ...names.map((n) => n.length))}`;
    const layerNames = layers.map((l) => l.name);
    root.create_attribute('layer_names', layerNames, null, fixed(layerNames));
    for (const layer of layers) {
      const group = root.create_group(layer.name);
      const weightNames = options.weightNames?.(layer) ?? layer.weights.map((w) => `${layer.name}/${w.name}:0`);
      group.create_attribute('weight_names', weightNames, null, fixed(weightNames));
      layer.weights.forEach((w, i) => {
        const [scope, name] = weightNames[i]!.includes('/') ? [group.get(layer.name) ?? group.create_group(layer.name), weightNames[i]!.split('/')[1]!] : [group, weightNames[i]!];
        (scope as Group).create_dataset({ name, data: w.data, shape: w.shape, dtype: '<f' });
      });
    }
  } finally {
    f.close();
  }
}

function randomValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 0.1;
  }
  return out;
}

/** A file in the layout of vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5, with random weights. */
function vgg16FileLayers(): H5Layer[] {
  let seed = 1;
  const layers: H5Layer[] = [{ name: 'input_1', weights: [] }];
  let channels = 3;
  for (const name of VGG16_LAYER_NAMES) {
    if (name.endsWith('_pool')) {
      layers.push({ name, weights: [] });
      continue;
    }
    const block = Number(name[5]);
    const filters = [64, 128, 256, 512, 512][block - 1]!;
    layers.push({
      name,
      weights: [
        { name: 'kernel', shape: [3, 3, channels, filters], data: randomValues(9 * channels * filters, seed++) },
        { name: 'bias', shape: [filters], data: randomValues(filters, seed++) },
      ],
    });
    channels = filters;
  }
  return layers;
}

function snapshot(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => Float32Array.from(w.dataSync()));
}

let dir: string;
let model: tf.LayersModel;
let layers: H5Layer[];
/** The same layout with other values: a refused file that had been half loaded would change the model. */
let otherLayers: H5Layer[];
let goodFile: string;

beforeAll(async () => {
  await selectBackend('wasm');
  await h5wasm.ready;
  dir = mkdtempSync(path.join(os.tmpdir(), 'cxr-vgg-h5-'));
  // The parameters do not depend on the input size; 32x32 keeps the forward pass cheap.
  model = buildVgg16Backbone(32);
  layers = vgg16FileLayers();
  otherLayers = layers.map((l) => ({ ...l, weights: l.weights.map((w) => ({ ...w, data: w.data.map((v) => v + 1) })) }));
  goodFile = path.join(dir, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5');
  writeKerasH5(goodFile, layers);
});

afterAll(() => {
  model?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the VGG16 backbone', () => {
  it("has Keras's layer names, a 7x7x512 output at 224 and VGG16 notop's 14,714,688 parameters", () => {
    const full = buildVgg16Backbone();
    expect(full.layers.map((l) => l.name)).toEqual([
      'block1_conv1', 'block1_conv2', 'block1_pool',
      'block2_conv1', 'block2_conv2', 'block2_pool',
      'block3_conv1', 'block3_conv2', 'block3_conv3', 'block3_pool',
      'block4_conv1', 'block4_conv2', 'block4_conv3', 'block4_pool',
      'block5_conv1', 'block5_conv2', 'block5_conv3', 'block5_pool',
    ]);
    expect(full.inputs[0]!.shape).toEqual([null, 224, 224, 3]);
    expect(full.outputs[0]!.shape).toEqual([null, 7, 7, 512]);
    expect(full.countParams()).toBe(14_714_688);
    expect(VGG16_LAST_BLOCK.every((name) => full.getLayer(name))).toBe(true);
    expect(preprocessingSpecSchema.parse(VGG16_PREPROCESSING)).toEqual(VGG16_PREPROCESSING);
    full.dispose();
  });
});

describe('loading Keras .h5 weights', () => {
  it('loads every layer by name: the weights equal the file and the forward pass equals one computed from them', async () => {
    const tensors = tf.memory().numTensors;
    const report = await loadKerasH5Weights(model, goodFile);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(report).toEqual({ loadedLayers: VGG16_LAYER_NAMES.filter((n) => !n.endsWith('_pool')), ignoredLayers: [], parameters: 14_714_688 });
    const byName = new Map(layers.map((l) => [l.name, l]));
    for (const layer of model.layers) {
      layer.getWeights().forEach((w, i) => expect(sameBytes(w.dataSync() as Float32Array, byName.get(layer.name)!.weights[i]!.data)).toBe(true));
    }
    const input = tf.randomUniform([2, 32, 32, 3], -100, 100, 'float32', 7);
    const expected = tf.tidy(() => {
      let x = input;
      for (const { name, weights } of layers.slice(1)) {
        if (name.endsWith('_pool')) x = tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid');
        else x = tf.relu(tf.conv2d(x as tf.Tensor4D, tf.tensor4d(weights[0]!.data, weights[0]!.shape as [number, number, number, number]), 1, 'same').add(tf.tensor1d(weights[1]!.data)));
      }
      return x;
    });
    const actual = model.predict(input) as tf.Tensor;
    expect(actual.shape).toEqual([2, 1, 1, 512]);
    const [a, e] = [actual.dataSync(), expected.dataSync()];
    const scale = Math.max(...e.map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - e[i]!)).toBeLessThanOrEqual(1e-4 * scale);
    tf.dispose([input, expected, actual]);
  });

  it("reads a full model save's model_weights group and skips a with-top file's extra layers, listing them", async () => {
    // The 2016 keras.applications files name weights block1_conv1_W_1:0, block1_conv1_b_1:0, directly in the layer's group.
    const fc1: H5Layer = { name: 'fc1', weights: [{ name: 'kernel', shape: [4, 2], data: randomValues(8, 99) }, { name: 'bias', shape: [2], data: randomValues(2, 98) }] };
    const withTop = path.join(dir, 'with-top.h5');
    writeKerasH5(withTop, [...otherLayers, { name: 'flatten', weights: [] }, fc1], {
      fullModel: true,
      weightNames: (l) => l.weights.map((w) => `${l.name}_${w.name === 'kernel' ? 'W' : 'b'}_1:0`),
    });
    const report = await loadKerasH5Weights(model, withTop);
    expect(report.ignoredLayers).toEqual(['fc1']);
    expect(report.loadedLayers).toHaveLength(13);
    const other = new Map(otherLayers.map((l) => [l.name, l]));
    for (const [name, i] of [['block1_conv1', 1], ['block5_conv3', 0]] as const) {
      expect(sameBytes(model.getLayer(name).getWeights()[i]!.dataSync() as Float32Array, other.get(name)!.weights[i]!.data)).toBe(true);
    }
  });

  const refusals: [string, KerasWeightsFailure, RegExp, (file: string) => void][] = [
    [
      'a missing layer',
      'missing-layer',
      /^layer block3_conv2 is missing from missing-layer\.h5\.$/,
      (file) => writeKerasH5(file, otherLayers.filter((l) => l.name !== 'block3_conv2')),
    ],
    [
      'a wrong shape (in the last layer, so every earlier one was valid)',
      'shape-mismatch',
      /^block5_conv3 kernel: file has \[3,3,512,256\], the model needs \[3,3,512,512\]\.$/,
      (file) =>
        writeKerasH5(file, otherLayers.map((l) => (l.name === 'block5_conv3' ? { ...l, weights: [{ ...l.weights[0]!, shape: [3, 3, 512, 256], data: l.weights[0]!.data.subarray(0, 9 * 512 * 256) }, l.weights[1]!] } : l))),
    ],
    [
      'a grayscale first layer',
      'shape-mismatch',
      /^block1_conv1 kernel: file has \[3,3,1,64\], the model needs \[3,3,3,64\]\.$/,
      (file) =>
        writeKerasH5(file, otherLayers.map((l) => (l.name === 'block1_conv1' ? { ...l, weights: [{ ...l.weights[0]!, shape: [3, 3, 1, 64], data: l.weights[0]!.data.subarray(0, 9 * 64) }, l.weights[1]!] } : l))),
    ],
    [
      'a wrong weight count',
      'weight-count',
      /^layer block4_conv1 has 1 weight in wrong-count\.h5 \(kernel\); the model needs 2 \(kernel, bias\)\.$/,
      (file) => writeKerasH5(file, otherLayers.map((l) => (l.name === 'block4_conv1' ? { ...l, weights: l.weights.slice(0, 1) } : l))),
    ],
    [
      'random bytes',
      'not-hdf5',
      /^random\.h5 is not an HDF5 file; a Keras \.h5 weights file was expected\.$/,
      (file) => writeFileSync(file, randomBytes(100_000)),
    ],
    [
      'a truncated file',
      'truncated',
      /^truncated\.h5 is truncated: it has 30000000 bytes but should have \d+ \(an incomplete download or copy\?\)\.$/,
      (file) => writeFileSync(file, readFileSync(goodFile).subarray(0, 30_000_000)),
    ],
    [
      'an HDF5 file that is not Keras weights',
      'not-keras',
      /^other\.h5 is an HDF5 file but not Keras weights \(it has no layer_names attribute\)\.$/,
      (file) => {
        const f = new h5wasm.File(file, 'w');
        f.create_dataset({ name: 'data', data: new Float32Array(4) });
        f.close();
      },
    ],
  ];
  const fileNames = ['missing-layer.h5', 'wrong-shape.h5', 'grey.h5', 'wrong-count.h5', 'random.h5', 'truncated.h5', 'other.h5'];

  it.each(refusals.map((r, i) => [...r, fileNames[i]!] as const))('refuses %s with its reason and leaves the model unchanged', async (_, reason, message, write, name) => {
    const file = path.join(dir, name);
    write(file);
    const before = snapshot(model);
    const tensors = tf.memory().numTensors;
    const error = await loadKerasH5Weights(model, file).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KerasWeightsError);
    expect((error as KerasWeightsError).reason).toBe(reason);
    expect((error as KerasWeightsError).message).toMatch(message);
    expect((error as KerasWeightsError).code).toBe('BAD_INPUT');
    expect(tf.memory().numTensors).toBe(tensors);
    const after = snapshot(model);
    after.forEach((w, i) => expect(sameBytes(w, before[i]!)).toBe(true));
    rmSync(file);
  });

  it('says when the file does not exist', async () => {
    await expect(loadKerasH5Weights(model, path.join(dir, 'nowhere.h5'))).rejects.toMatchObject({ reason: 'not-found' });
  });

  it('gives the pneumonia trainer a VGG16 backbone from a user-supplied .h5, with caffe preprocessing and block 5 to fine-tune', async () => {
    const backbone = await loadBackbone({ kind: 'vgg16', weightsPath: goodFile });
    expect(backbone).toMatchObject({ kind: 'vgg16', pretrained: true, featureShape: [7, 7, 512], lastBlockLayers: [...VGG16_LAST_BLOCK] });
    expect(backbone.preprocessing.normalisation).toBe('caffe');
    const kernel = backbone.featureModel.getLayer('block3_conv2').getWeights()[0]!;
    const fromFile = layers.find((l) => l.name === 'block3_conv2')!.weights[0]!.data;
    expect(sameBytes(kernel.dataSync() as Float32Array, fromFile)).toBe(true);
    backbone.featureModel.dispose();
    await expect(loadBackbone({ kind: 'vgg16', weightsPath: path.join(dir, 'nowhere.h5') })).rejects.toMatchObject({ reason: 'not-found' });
  });

  it('loads a good file again after the refusals (h5wasm keeps no broken state)', async () => {
    const copy = path.join(dir, 'copy.h5');
    copyFileSync(goodFile, copy);
    await expect(loadKerasH5Weights(model, copy)).resolves.toMatchObject({ parameters: 14_714_688 });
  });
});

function sameBytes(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function randomBytes(n: number): Buffer {
  return Buffer.from(randomValues(Math.ceil(n / 4), 5).buffer).subarray(0, n);
}
