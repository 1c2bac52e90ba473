import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GreyImage } from '../../../../src-main/services/imaging/dicom/dicom-image';
import { loadBackbone, type Backbone } from '../../../../src-main/services/ml/pneumonia/backbone';
import { splitAtLayer } from '../../../../src-main/services/ml/pneumonia/backbone-split';
import { backgroundCells, BACKGROUND_MAX_GREY } from '../../../../src-main/services/ml/pneumonia/heatmap-background';
import { heatmapLayerOf } from '../../../../src-main/services/ml/pneumonia/heatmap-layer';
import { loadGrey } from '../../../../src-main/services/ml/pneumonia/load-grey';
import { createPneumoniaNetwork, type PneumoniaNetwork } from '../../../../src-main/services/ml/pneumonia/pneumonia-network';
import { createPneumoniaScorer } from '../../../../src-main/services/ml/pneumonia/pneumonia-scorer';
import { preprocessImage } from '../../../../src-main/services/ml/pneumonia/preprocess';
import { buildVgg16Backbone } from '../../../../src-main/services/ml/pneumonia/vgg16-backbone';
import { selectBackend } from '../../../../src-main/services/ml/runtime/backend-select';
import { MOBILENET_WEIGHTS, realSamples } from '../../../support/pneumonia-real';
import { requireSharedData } from '../../../support/shared-data';

let backbone: Backbone;
let network: PneumoniaNetwork;
let xray: GreyImage;

beforeAll(async () => {
  await selectBackend('wasm');
  backbone = await loadBackbone({ kind: 'mobilenetv2', weightsPath: requireSharedData(MOBILENET_WEIGHTS) });
  network = createPneumoniaNetwork(backbone, 3);
  xray = await loadGrey(realSamples('test', 1)[1]!);
}, 60_000);

afterAll(() => {
  backbone.featureModel.dispose();
  network.head.dispose();
});

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('the backbone cut at a layer', () => {
  it('takes Grad-CAM on the feature map itself (out_relu in MobileNetV2)', () => {
    expect(heatmapLayerOf(backbone.featureModel)).toBe('out_relu');
  });

  it('cut at block_13_expand_relu in MobileNetV2, trunk + rebuilt tail (residual adds included) compute the backbone', () => {
    const layer = 'block_13_expand_relu';
    const { trunk, tail } = splitAtLayer(backbone.featureModel, layer);
    expect(trunk.outputs[0]!.shape).toEqual([null, 14, 14, 192]);
    expect(tail.outputs[0]!.shape).toEqual([null, 7, 7, 1280]);
    const tailLayers = tail.layers.map((l) => l.name);
    expect(tailLayers).toEqual(expect.arrayContaining(['block_14_add', 'block_15_add', 'out_relu']));
    // The tail re-applies the backbone's own layers: weights shared, not copied.
    expect(tail.getLayer('Conv_1')).toBe(backbone.featureModel.getLayer('Conv_1'));
    const x = tf.randomUniform([2, 224, 224, 3], -1, 1, 'float32', 7);
    const whole = backbone.featureModel.predict(x) as tf.Tensor;
    const cutAt = trunk.predict(x) as tf.Tensor;
    const joined = tail.predict(cutAt) as tf.Tensor;
    expect(maxAbsDiff(joined, whole)).toBeLessThan(1e-4);
    tf.dispose([x, whole, cutAt, joined]);
  });

  it('cut at block5_conv3 in VGG16 (a 64-pixel build: its 4x4 map before the 2x2 output)', () => {
    const vgg = buildVgg16Backbone(64);
    expect(heatmapLayerOf(vgg)).toBe(vgg.outputs[0]!.sourceLayer.name);
    const { trunk, tail } = splitAtLayer(vgg, 'block5_conv3');
    const x = tf.randomUniform([1, 64, 64, 3], -100, 100, 'float32', 3);
    const [whole, cut] = [vgg.predict(x) as tf.Tensor, trunk.predict(x) as tf.Tensor];
    const joined = tail.predict(cut) as tf.Tensor;
    expect(maxAbsDiff(joined, whole)).toBeLessThan(1e-4);
    tf.dispose([x, whole, cut, joined]);
    vgg.dispose();
  }, 60_000);

  it('cuts a one-layer backbone at its feature map', () => {
    const input = tf.input({ shape: [28, 28, 3] });
    const map = tf.layers.conv2d({ filters: 4, kernelSize: 4, strides: 4, name: 'only_conv' }).apply(input) as tf.SymbolicTensor;
    const small = tf.model({ inputs: input, outputs: map });
    expect(heatmapLayerOf(small)).toBe('only_conv');
    const { trunk, tail } = splitAtLayer(small, 'only_conv');
    const x = tf.randomUniform([1, 28, 28, 3], 0, 1, 'float32', 2);
    const [whole, joined] = [small.predict(x) as tf.Tensor, tail.predict(trunk.predict(x) as tf.Tensor) as tf.Tensor];
    expect(maxAbsDiff(joined, whole)).toBe(0);
    tf.dispose([x, whole, joined]);
  });

  it('refuses a cut that a skip connection jumps over', () => {
    const input = tf.input({ shape: [8, 8, 2] });
    const a = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'a' }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'b' }).apply(a) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'sum' }).apply([a, b]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: sum });
    expect(() => splitAtLayer(model, 'b')).toThrow(/cannot be cut at b/);
    expect(splitAtLayer(model, 'a').tail.outputs[0]!.shape).toEqual([null, 8, 8, 2]);
  });
});

describe('scoring with a 14x14 Grad-CAM', () => {
  it('samples the 7x7 map at four half-cell offsets and interleaves them', async () => {
    // A 224x224 film needs no resizing, so moving its pixels is moving the model's input.
    const size = 224;
    const film = { width: size, height: size, channels: 1 as const, data: await preprocessedGrey(xray, size) };
    const fine = await createPneumoniaScorer(network).score(film);
    expect([fine.heatmap.width, fine.heatmap.height]).toEqual([14, 14]);
    const plain = createPneumoniaScorer(network, { halfCellShifts: false });
    for (const [sy, sx] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) {
      const coarse = await plain.score({ ...film, data: moved(film.data, size, 16 * sy - 8, 16 * sx - 8) });
      expect([coarse.heatmap.width, coarse.heatmap.height]).toEqual([7, 7]);
      const picked = Array.from({ length: 49 }, (_, k) => fine.heatmap.data[(2 * Math.floor(k / 7) + sy) * 14 + 2 * (k % 7) + sx]!);
      // Each scaled to its own peak: the same map up to one factor, so perfectly correlated.
      expect(correlation(picked, Array.from(coarse.heatmap.data))).toBeGreaterThan(0.98);
    }
  }, 120_000);


  it('returns a 14x14 map, the calibrated probability and the pooled features', async () => {
    const plain = await createPneumoniaScorer(network).score(xray);
    const warm = await createPneumoniaScorer(network, { temperature: 2 }).score(xray);
    expect([plain.heatmap.width, plain.heatmap.height, plain.heatmap.data.length]).toEqual([14, 14, 196]);
    expect(Math.max(...plain.heatmap.data)).toBe(255);
    expect(warm.logit).toBeCloseTo(plain.logit, 5);
    expect(warm.probability).toBeCloseTo(1 / (1 + Math.exp(-plain.logit / 2)), 6);
    // The pooled features are the unsplit backbone's feature map averaged over space.
    const input = await preprocessImage(xray, backbone.preprocessing);
    const direct = tf.tidy(() => tf.mean(backbone.featureModel.predict(input) as tf.Tensor, [1, 2]));
    expect(maxAbsDiff(direct, tf.tensor2d(plain.features, [1, 1280]))).toBeLessThan(1e-4);
    tf.dispose([input, direct]);
  }, 60_000);

  it('zeroes the heatmap over background: cells whose patch has no pixel above the background grey', async () => {
    // The film's left quarter blacked out, as the air beside a patient is.
    const data = Uint8Array.from(xray.data);
    for (let y = 0; y < xray.height; y++) data.fill(0, y * xray.width, y * xray.width + Math.floor(xray.width / 4));
    const result = await createPneumoniaScorer(network).score({ ...xray, data });
    for (let y = 0; y < 14; y++) for (let x = 0; x < 3; x++) expect(result.heatmap.data[y * 14 + x]).toBe(0);
    expect(Math.max(...result.heatmap.data)).toBe(255);

    const pixels = new Uint8Array(224 * 224).fill(BACKGROUND_MAX_GREY);
    pixels[16 * 224 + 16] = BACKGROUND_MAX_GREY + 1;
    const cells = backgroundCells(pixels, { width: 224, height: 224 }, { width: 14, height: 14 });
    expect(cells.filter((c) => !c)).toHaveLength(1);
    expect(cells[1 * 14 + 1]).toBe(false);
  }, 60_000);
});

/** The film resized to size x size, as the model sees it (grey bytes). */
async function preprocessedGrey(image: GreyImage, size: number): Promise<Uint8Array> {
  const { resizeGrey } = await import('../../../../src-main/services/ml/pneumonia/preprocess');
  return resizeGrey(image, { ...backbone.preprocessing, width: size, height: size });
}

/** out[y][x] = data[y + dy][x + dx], mirrored (without repeating the edge) where that leaves the image. */
function moved(data: Uint8Array, size: number, dy: number, dx: number): Uint8Array {
  const reflect = (i: number) => (i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i);
  const out = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out[y * size + x] = data[reflect(y + dy) * size + reflect(x + dx)]!;
  return out;
}

function correlation(a: number[], b: number[]): number {
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const [ma, mb] = [mean(a), mean(b)];
  let [sab, saa, sbb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
