import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGrey } from '../../../../src-main/services/ml/pneumonia/load-grey';
import { greyBatch, normaliseGrey, preprocessImage, resizeGrey } from '../../../../src-main/services/ml/pneumonia/preprocess';
import { augmentXrays } from '../../../../src-main/services/ml/pneumonia/xray-augment';
import { seededRandom } from '../../../../src-main/services/ml/training/seeded-random';
import { realSamples } from '../../../support/pneumonia-real';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tiny = { width: 2, height: 2, channels: 1 as const, data: Uint8Array.from([0, 51, 255, 102]) };
const spec = (normalisation: 'mobilenet' | 'caffe' | 'unit') => ({ colour: 'grayscale-to-rgb' as const, width: 2, height: 2, resize: 'bilinear' as const, normalisation });

describe('preprocessing', () => {
  it('mobilenet: x / 127.5 - 1, the grey value in all three channels', async () => {
    const x = await preprocessImage(tiny, spec('mobilenet'));
    expect(x.shape).toEqual([1, 2, 2, 3]);
    const v = Array.from(x.dataSync());
    const expected = [-1, -0.6, 1, -0.2];
    expected.forEach((e, i) => [0, 1, 2].forEach((c) => expect(v[i * 3 + c]).toBeCloseTo(e, 5)));
  });

  it('caffe: BGR minus the ImageNet means', async () => {
    const v = Array.from((await preprocessImage(tiny, spec('caffe'))).dataSync());
    expect(v.slice(0, 3).map((n) => Number(n.toFixed(3)))).toEqual([-103.939, -116.779, -123.68]);
    expect(v.slice(6, 9).map((n) => Number(n.toFixed(3)))).toEqual([151.061, 138.221, 131.32]);
  });

  it('unit: x / 255', async () => {
    const v = Array.from((await preprocessImage(tiny, spec('unit'))).dataSync());
    expect(v.filter((_, i) => i % 3 === 0).map((n) => Number(n.toFixed(4)))).toEqual([0, 0.2, 1, 0.4]);
  });

  it('gives exactly what normalising three copies of the grey channel gives', () => {
    const grey = tf.tidy(() => tf.round(tf.randomUniform([2, 5, 7, 1], 0, 255, 'float32', 3))) as tf.Tensor4D;
    const rgb = tf.tile(grey, [1, 1, 1, 3]);
    const reference = {
      mobilenet: tf.sub(tf.div(rgb, 127.5), 1),
      unit: tf.div(rgb, 255),
      caffe: tf.sub(rgb, tf.tensor1d([103.939, 116.779, 123.68])),
    };
    for (const [normalisation, expected] of Object.entries(reference)) {
      const got = normaliseGrey(grey, { normalisation: normalisation as keyof typeof reference });
      expect(got.shape).toEqual([2, 5, 7, 3]);
      expect(Array.from(got.dataSync())).toEqual(Array.from(expected.dataSync()));
    }
    tf.dispose([grey, rgb, ...Object.values(reference)]);
  });

  it('resizes bilinearly to the input size, averaging when it shrinks', async () => {
    const stripes = { width: 8, height: 8, channels: 1 as const, data: Uint8Array.from({ length: 64 }, (_, i) => (i % 2 === 0 ? 0 : 200)) };
    const small = await resizeGrey(stripes, { width: 4, height: 4 });
    expect(small.length).toBe(16);
    for (const v of small) expect(Math.abs(v - 100)).toBeLessThan(30);
    const rgb = { width: 2, height: 1, channels: 3 as const, data: Uint8Array.from([255, 0, 0, 0, 0, 255]) };
    expect(Array.from(await resizeGrey(rgb, { width: 2, height: 1 }))).toEqual([76, 29]);
  });

  it('decodes a real chest X-ray to grey and the cached size', async () => {
    const [sample] = realSamples('test', 1);
    const grey = await loadGrey(sample!);
    const meta = await sharp(sample!.path).metadata();
    expect([grey.width, grey.height, grey.channels]).toEqual([meta.width, meta.height, 1]);
    expect((await resizeGrey(grey, { width: 224, height: 224 })).length).toBe(224 * 224);
  });
});

describe('X-ray augmentation', () => {
  it('keeps shape and range, is reproducible from its seed, and changes the image', () => {
    const values = Uint8Array.from({ length: 32 * 32 }, (_, i) => (i * 7) % 256);
    const batch = greyBatch([values, values, values], { width: 32, height: 32 });
    const a = augmentXrays(batch, seededRandom(3));
    const b = augmentXrays(batch, seededRandom(3));
    expect(a.shape).toEqual([3, 32, 32, 1]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Math.min(...a.dataSync())).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a.dataSync())).toBeLessThanOrEqual(255);
    expect(tf.max(tf.abs(tf.sub(a, batch))).dataSync()[0]).toBeGreaterThan(1);
    expect(normaliseGrey(a, { normalisation: 'mobilenet' }).shape).toEqual([3, 32, 32, 3]);
  });
});
