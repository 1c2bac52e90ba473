import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildTextbookCnn } from '../../../src-main/services/ml/textbook-cnn';

describe('the textbook CNN', () => {
  it("has exactly the Keras model's layers and parameter count", async () => {
    await tf.setBackend('cpu');
    const model = buildTextbookCnn();
    // Keras's model.summary(), by hand: conv k*k*in*out + out; batch norm 4 per channel (2 trainable).
    const conv = (cin: number, cout: number) => 3 * 3 * cin * cout + cout;
    const bn = (c: number) => 4 * c;
    const expected =
      conv(3, 32) + bn(32) + conv(32, 32) + conv(32, 64) + bn(64) + conv(64, 64) + conv(64, 128) + bn(128) +
      (4 * 4 * 128 * 512 + 512) + bn(512) + (512 * 10 + 10);
    expect(expected).toBe(1_196_586);
    expect(model.countParams()).toBe(expected);
    const trainable = model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a, b) => a! * b!, 1)!, 0);
    expect(trainable).toBe(expected - 2 * (32 + 64 + 128 + 512));
    expect(model.layers.map((l) => l.getClassName())).toEqual([
      'Conv2D', 'BatchNormalization', 'Conv2D', 'MaxPooling2D', 'Dropout',
      'Conv2D', 'BatchNormalization', 'Conv2D', 'MaxPooling2D', 'Dropout',
      'Conv2D', 'BatchNormalization', 'MaxPooling2D', 'Dropout',
      'Flatten', 'Dense', 'BatchNormalization', 'Dropout', 'Dense',
    ]);
    expect(model.outputs[0]!.shape).toEqual([null, 10]);
    model.dispose();
  });
});
