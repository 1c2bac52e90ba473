import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inverted, readCifarTestImages } from '../../../../bench/ood-sets';
import { loadBackbone } from '../../../../src-main/services/ml/pneumonia/backbone';
import { featureDistance, fitFeatureReference } from '../../../../src-main/services/ml/pneumonia/feature-reference';
import { createPneumoniaNetwork, disposeNetwork, type PneumoniaNetwork } from '../../../../src-main/services/ml/pneumonia/pneumonia-network';
import { logitsAndFeatures } from '../../../../src-main/services/ml/pneumonia/pooled-features';
import { resizeGrey } from '../../../../src-main/services/ml/pneumonia/preprocess';
import { ResizedImageCache } from '../../../../src-main/services/ml/pneumonia/resized-image-cache';
import { selectBackend } from '../../../../src-main/services/ml/runtime/backend-select';
import { MOBILENET_WEIGHTS, realSamples } from '../../../support/pneumonia-real';
import { requireSharedData } from '../../../support/shared-data';

let network: PneumoniaNetwork;

beforeAll(async () => {
  await selectBackend('wasm');
  network = createPneumoniaNetwork(await loadBackbone({ kind: 'mobilenetv2', weightsPath: requireSharedData(MOBILENET_WEIGHTS) }), 1);
}, 60_000);

afterAll(() => disposeNetwork(network));

describe('the feature reference on real images (ImageNet MobileNetV2 features)', () => {
  it('calls CIFAR-10 pictures and inverted films unusual, and most held-out chest X-rays not', async () => {
    const [train, val, test] = [realSamples('train', 50), realSamples('val', 15), realSamples('test', 20)];
    const images = new ResizedImageCache(network.backbone.preprocessing);
    await images.load([...train, ...val, ...test]);
    const features = (pixels: Uint8Array[]) => logitsAndFeatures(network, pixels).features;
    const reference = fitFeatureReference({
      train: { features: features(train.map((s) => images.get(s))), groups: train.map((s) => s.patientId ?? s.path) },
      val: features(val.map((s) => images.get(s))),
      describe: { method: 'pooled out_relu', fittedOn: '100 training images', cutoffSetOn: '30 validation and 100 out-of-fold images' },
    });
    const shareUnusual = (pixels: Uint8Array[]) => features(pixels).filter((x) => featureDistance(reference, x) > 1).length / pixels.length;

    const chest = test.map((s) => images.get(s));
    const cifar = await readCifarTestImages(requireSharedData('cifar10/cifar-10-images.tar.gz'), 3);
    const cifarPixels = await Promise.all(cifar.map((c) => resizeGrey(c.image, network.backbone.preprocessing)));
    expect(cifar).toHaveLength(30);
    expect(shareUnusual(cifarPixels)).toBe(1);
    expect(shareUnusual(chest)).toBeLessThanOrEqual(0.1);
    const negatives = chest.map((p) => inverted({ width: 224, height: 224, channels: 1, data: p }).data);
    expect(shareUnusual(negatives)).toBeGreaterThanOrEqual(0.8);
  }, 120_000);
});
