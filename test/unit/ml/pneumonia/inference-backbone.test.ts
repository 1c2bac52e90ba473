import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from '../../../../src-main/services/ml/pneumonia/backbone';
import { inferenceBackbone } from '../../../../src-main/services/ml/pneumonia/inference-backbone';
import { buildVgg16Backbone } from '../../../../src-main/services/ml/pneumonia/vgg16-backbone';
import { selectBackend } from '../../../../src-main/services/ml/runtime/backend-select';
import { MOBILENET_WEIGHTS } from '../../../support/pneumonia-real';
import { requireSharedData } from '../../../support/shared-data';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** The folded backbone's output against the model's own, as the largest difference over the largest value. */
function relativeDifference(model: tf.LayersModel, x: tf.Tensor4D): number {
  const folded = inferenceBackbone(model);
  expect(folded).not.toBeNull();
  const tensors = tf.memory().numTensors;
  const [ours, theirs] = [folded!.apply(x), model.predict(x) as tf.Tensor];
  expect(ours.shape).toEqual(theirs.shape);
  const [diff, scale] = tf.tidy(() => [tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]!, tf.max(tf.abs(theirs)).dataSync()[0]!]);
  tf.dispose([ours, theirs]);
  // Every intermediate value is freed as soon as it has been read.
  expect(tf.memory().numTensors).toBe(tensors);
  folded!.dispose();
  return diff / scale;
}

/** Batch norm with statistics far from the identity, so folding it is really tested. */
function randomiseNorms(model: tf.LayersModel): void {
  for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
    layer.setWeights(
      layer.getWeights().map((w, i) => {
        const name = layer.weights[i]!.originalName;
        if (name.endsWith('moving_variance')) return tf.randomUniform(w.shape, 0.5, 2, 'float32', i + 1);
        return tf.randomNormal(w.shape, 0, 0.5, 'float32', i + 7);
      }),
    );
  }
}

describe('the folded backbone for scoring', () => {
  it('computes MobileNetV2 (ImageNet weights) as the model does: batch norm, ReLU6 and padding folded into its convolutions', async () => {
    const backbone = await loadBackbone({ kind: 'mobilenetv2', weightsPath: requireSharedData(MOBILENET_WEIGHTS) });
    const x = tf.randomUniform([2, 224, 224, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
    expect(relativeDifference(backbone.featureModel, x)).toBeLessThan(1e-4);
    tf.dispose(x);
    backbone.featureModel.dispose();
  }, 60_000);

  it('computes VGG16 (convolutions with their own ReLU, max pooling) as the model does', () => {
    const vgg = buildVgg16Backbone(64);
    const x = tf.randomUniform([2, 64, 64, 3], -100, 100, 'float32', 3) as tf.Tensor4D;
    expect(relativeDifference(vgg, x)).toBeLessThan(1e-4);
    tf.dispose(x);
    vgg.dispose();
  }, 60_000);

  it('folds every pattern it meets: no bias, no centre or scale, a depth multiplier, padding that is not "same", branches, a lone batch norm', () => {
    const input = tf.input({ shape: [15, 15, 3] });
    const conv = tf.layers.conv2d({ filters: 6, kernelSize: 3, useBias: false, padding: 'same' }).apply(input) as tf.SymbolicTensor;
    const norm = tf.layers.batchNormalization({ center: false }).apply(conv) as tf.SymbolicTensor;
    const relu = tf.layers.reLU({ maxValue: 6 }).apply(norm) as tf.SymbolicTensor;
    const padded = tf.layers.zeroPadding2d({ padding: [[2, 0], [1, 1]] }).apply(relu) as tf.SymbolicTensor;
    const depthwise = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2 }).apply(padded) as tf.SymbolicTensor;
    const depthNorm = tf.layers.batchNormalization({ scale: false }).apply(depthwise) as tf.SymbolicTensor;
    const evenPadded = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }).apply(tf.layers.reLU().apply(depthNorm) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const strided = tf.layers.conv2d({ filters: 12, kernelSize: 3, strides: 2 }).apply(evenPadded) as tf.SymbolicTensor;
    // A branch read twice: nothing may be folded into the layer both branches read.
    const shared = tf.layers.conv2d({ filters: 12, kernelSize: 1 }).apply(strided) as tf.SymbolicTensor;
    const left = tf.layers.batchNormalization().apply(shared) as tf.SymbolicTensor;
    const sum = tf.layers.add().apply([left, shared]) as tf.SymbolicTensor;
    const output = tf.layers.batchNormalization().apply(sum) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    randomiseNorms(model);
    const x = tf.randomUniform([3, 15, 15, 3], -1, 1, 'float32', 9) as tf.Tensor4D;
    expect(relativeDifference(model, x)).toBeLessThan(1e-5);
    tf.dispose(x);
    model.dispose();
  });

  it('declines a model with a layer it does not fold, so the model runs as it is', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'sigmoid' }).apply(input) as tf.SymbolicTensor;
    expect(inferenceBackbone(tf.model({ inputs: input, outputs: conv }))).toBeNull();
    const pooled = tf.layers.averagePooling2d({ poolSize: 2 }).apply(input) as tf.SymbolicTensor;
    expect(inferenceBackbone(tf.model({ inputs: input, outputs: pooled }))).toBeNull();
  });
});
