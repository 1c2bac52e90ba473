import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from '../../../../src-main/services/ml/pneumonia/backbone';
import { splitAtLastBlock } from '../../../../src-main/services/ml/pneumonia/backbone-split';
import { selectBackend } from '../../../../src-main/services/ml/runtime/backend-select';
import { MOBILENET_WEIGHTS } from '../../../support/pneumonia-real';
import { requireSharedData } from '../../../support/shared-data';

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('MobileNetV2 backbone', () => {
  it('loads ImageNet weights from a tfjs layers folder and computes what the original topology computes', async () => {
    const dir = requireSharedData(MOBILENET_WEIGHTS);
    const backbone = await loadBackbone({ kind: 'mobilenetv2', weightsPath: dir });
    expect(backbone.featureModel.outputs[0]!.shape).toEqual([null, 7, 7, 1280]);
    expect(backbone.featureShape).toEqual([7, 7, 1280]);
    expect(backbone.preprocessing.normalisation).toBe('mobilenet');
    expect(backbone.pretrained).toBe(true);
    expect(backbone.lastBlockLayers[0]).toBe('block_16_expand');
    expect(backbone.lastBlockLayers.slice(-3)).toEqual(['Conv_1', 'Conv_1_bn', 'out_relu']);
    for (const name of backbone.lastBlockLayers) expect(backbone.featureModel.getLayer(name).name).toBe(name);

    // The reference: the Teachable Machine export loaded whole, its inner functional model.
    const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
    const weights = readFileSync(path.join(dir, 'weights.bin'));
    const whole = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]!.weights, weightData: new Uint8Array(weights).buffer }),
    );
    const inner = ((whole.layers[0] as tf.Sequential).layers[0] as tf.LayersModel);
    const x = tf.randomUniform([1, 224, 224, 3], -1, 1, 'float32', 5);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(backbone.featureModel.predict(x) as tf.Tensor, inner.predict(x) as tf.Tensor))).dataSync()[0]!);
    expect(diff).toBeLessThan(1e-4);

    // The last block splits off as a chain; trunk + tail is the whole backbone.
    const { trunk, tail, tailKernels } = splitAtLastBlock(backbone.featureModel, backbone.lastBlockLayers);
    expect(tailKernels.map((v) => v.originalName)).toEqual(['block_16_expand/kernel', 'block_16_depthwise/depthwise_kernel', 'block_16_project/kernel', 'Conv_1/kernel']);
    const split = tf.tidy(() => tf.max(tf.abs(tf.sub(tail.predict(trunk.predict(x) as tf.Tensor) as tf.Tensor, backbone.featureModel.predict(x) as tf.Tensor))).dataSync()[0]!);
    expect(split).toBe(0);
    tf.dispose([x]);
    whole.dispose();
    backbone.featureModel.dispose();
  });

  it('builds the same architecture freshly initialised for training from scratch', async () => {
    const backbone = await loadBackbone({ kind: 'mobilenetv2', weightsPath: null });
    expect(backbone.pretrained).toBe(false);
    expect(backbone.preprocessing.normalisation).toBe('unit');
    expect(backbone.featureModel.countParams()).toBe(410208);
    backbone.featureModel.dispose();
  });

  it('says clearly what is wrong with a weights path', async () => {
    await expect(loadBackbone({ kind: 'mobilenetv2', weightsPath: '/nonexistent/model' })).rejects.toThrow(/No TensorFlow.js model found/);
    await expect(loadBackbone({ kind: 'vgg16', weightsPath: '/nonexistent/vgg16_notop.h5' })).rejects.toThrow(/does not exist/);
  });
});
