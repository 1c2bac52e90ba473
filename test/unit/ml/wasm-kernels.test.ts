import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src-main/services/ml/runtime/backend-select';

// Gradients must agree with the cpu backend (plain float32 JS loops, the reference) to this
// absolute tolerance, relative to the largest magnitude of the reference.
const TOLERANCE = 1e-4;

function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function randomArray(size: number, seed: number): Float32Array {
  const next = seeded(seed);
  return Float32Array.from({ length: size }, next);
}

async function onBackend(name: string, compute: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(name);
  return tf.tidy(compute).map((t) => {
    const values = t.dataSync() as Float32Array;
    t.dispose();
    return Float32Array.from(values);
  });
}

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(1, ...expected.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst / scale).toBeLessThan(TOLERANCE);
}

async function compare(compute: () => tf.Tensor[], reference_: () => tf.Tensor[] = compute): Promise<void> {
  const reference = await onBackend('cpu', reference_);
  const ours = await onBackend('wasm', compute);
  reference.forEach((r, i) => expectClose(ours[i]!, r));
}

beforeAll(async () => {
  // The backend as the app starts it: threaded where there are cores, with our kernels registered.
  const report = await selectBackend('wasm');
  expect(report.backend).toBe('wasm');
});

const convCases = [
  { x: [2, 8, 8, 3], f: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [2, 8, 8, 3], f: [3, 3, 3, 4], stride: 1, pad: 'valid' },
  { x: [2, 9, 7, 2], f: [3, 3, 2, 5], stride: 2, pad: 'same' },
  { x: [2, 9, 7, 2], f: [3, 3, 2, 5], stride: 2, pad: 'valid' },
  { x: [3, 6, 6, 4], f: [5, 5, 4, 2], stride: 1, pad: 'same' },
  { x: [1, 10, 10, 1], f: [2, 2, 1, 3], stride: 2, pad: 'valid' },
  { x: [4, 5, 5, 3], f: [1, 1, 3, 6], stride: 1, pad: 'valid' },
] as const;

describe('wasm training kernels agree with the cpu backend', () => {
  for (const c of convCases) {
    it(`conv2d gradients: x ${c.x.join('x')}, filter ${c.f.join('x')}, stride ${c.stride}, ${c.pad}`, async () => {
      const x = randomArray(sizeOf(c.x), 1);
      const f = randomArray(sizeOf(c.f), 2);
      await compare(() => {
        const xt = tf.tensor4d(x, [...c.x]);
        const ft = tf.tensor4d(f, [...c.f]);
        const y = tf.conv2d(xt, ft, c.stride, c.pad);
        const dy = tf.tensor(randomArray(y.size, 3), y.shape);
        const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad))([xt, ft], dy);
        return [dx!, df!];
      });
    });
  }

  const depthwiseCases = [
    { x: [2, 7, 7, 8], f: [3, 3, 8, 1], stride: 1, pad: 'same' },
    { x: [2, 7, 7, 8], f: [3, 3, 8, 1], stride: 1, pad: 'valid' },
    { x: [2, 9, 8, 4], f: [3, 3, 4, 1], stride: 2, pad: 'same' },
    { x: [2, 9, 8, 4], f: [3, 3, 4, 1], stride: 2, pad: 'valid' },
    { x: [3, 6, 6, 3], f: [5, 5, 3, 2], stride: 1, pad: 'same' },
    { x: [1, 10, 9, 2], f: [3, 3, 2, 3], stride: 2, pad: 'valid' },
    { x: [4, 8, 8, 5], f: [2, 2, 5, 1], stride: 2, pad: 'same' },
  ] as const;
  for (const c of depthwiseCases) {
    it(`depthwise conv2d gradients: x ${c.x.join('x')}, filter ${c.f.join('x')}, stride ${c.stride}, ${c.pad}`, async () => {
      const x = randomArray(sizeOf(c.x), 21);
      const f = randomArray(sizeOf(c.f), 22);
      await compare(() => {
        const xt = tf.tensor4d(x, [...c.x]);
        const ft = tf.tensor4d(f, [...c.f]);
        const conv = (a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
        const dy = tf.tensor(randomArray(conv(xt, ft).size, 23), conv(xt, ft).shape);
        const [dx, df] = tf.grads(conv)([xt, ft], dy);
        return [dx!, df!];
      });
    });
  }

  it('an inverted-residual block as MobileNetV2 fine-tuning runs it (1x1 conv, depthwise, inference-mode BN, ReLU6)', async () => {
    const x = randomArray(2 * 7 * 7 * 6, 31);
    const expand = randomArray(6 * 12, 32);
    const depth = randomArray(3 * 3 * 12, 33);
    const project = randomArray(12 * 6, 34);
    await compare(() => {
      const xt = tf.tensor4d(x, [2, 7, 7, 6]);
      const w1 = tf.tensor4d(expand, [1, 1, 6, 12]);
      const wd = tf.tensor4d(depth, [3, 3, 12, 1]);
      const w2 = tf.tensor4d(project, [1, 1, 12, 6]);
      const bn = (t: tf.Tensor4D, channels: number): tf.Tensor4D => tf.batchNorm<tf.Rank.R4>(t, tf.fill([channels], 0.1) as tf.Tensor1D, tf.fill([channels], 0.5) as tf.Tensor1D, tf.fill([channels], 0.2) as tf.Tensor1D, tf.fill([channels], 1.5) as tf.Tensor1D, 1e-3);
      const block = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor, e: tf.Tensor) => {
        const h1 = tf.clipByValue(bn(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), 12), 0, 6);
        const h2 = tf.clipByValue(bn(tf.depthwiseConv2d(h1, d as tf.Tensor4D, 1, 'same'), 12), 0, 6);
        return tf.sum(tf.square(tf.add(a, bn(tf.conv2d(h2, e as tf.Tensor4D, 1, 'same'), 6))));
      };
      return tf.grads(block)([xt, w1, wd, w2]);
    });
  });

  for (const c of [
    { x: [2, 8, 8, 3], size: 2, stride: 2, pad: 'valid' },
    { x: [2, 7, 9, 3], size: 2, stride: 2, pad: 'valid' },
    { x: [3, 6, 4, 5], size: 2, stride: 2, pad: 'same' },
    { x: [2, 7, 7, 2], size: 3, stride: 2, pad: 'same' },
    { x: [1, 6, 6, 2], size: 3, stride: 1, pad: 'same' },
  ] as const) {
    it(`max-pool gradient: x ${c.x.join('x')}, window ${c.size}, stride ${c.stride}, ${c.pad}`, async () => {
      // Rounded values and a ReLU make ties, which both backends must break the same way.
      const x = randomArray(sizeOf(c.x), 4).map((v) => Math.round(v * 4) / 4);
      await compare(() => {
        const xt = tf.tensor4d(x, [...c.x]);
        const pool = (a: tf.Tensor) => tf.maxPool(tf.relu(a as tf.Tensor4D), c.size, c.stride, c.pad);
        const dy = tf.tensor(randomArray(pool(xt).size, 5), pool(xt).shape);
        return [tf.grad(pool)(xt, dy)];
      });
    });
  }

  it('matrix products with either operand transposed (Dense gradients)', async () => {
    await compare(() => {
      const a = tf.tensor2d(randomArray(6 * 5, 6), [6, 5]);
      const b = tf.tensor2d(randomArray(5 * 4, 7), [5, 4]);
      const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.matMul(p as tf.Tensor2D, q as tf.Tensor2D))([a, b], tf.tensor2d(randomArray(24, 8), [6, 4]));
      return [da!, db!, tf.matMul(a, tf.tensor2d(randomArray(24, 9), [4, 6]), true, true)];
    });
  });

  it('a small matrix times a large transposed one, 2-D and batched (the Dense input gradient dy·Wᵀ)', async () => {
    await compare(() => {
      const dy = tf.tensor2d(randomArray(3 * 7, 21), [3, 7]);
      const w = tf.tensor2d(randomArray(40 * 7, 22), [40, 7]);
      const a3 = tf.tensor3d(randomArray(2 * 3 * 5, 23), [2, 3, 5]);
      const b3 = tf.tensor3d(randomArray(2 * 30 * 5, 24), [2, 30, 5]);
      return [tf.matMul(dy, w, false, true), tf.matMul(a3, b3, false, true)];
    });
  });

  it('sums and means over leading axes and over other axes', async () => {
    await compare(() => {
      const x = tf.tensor4d(randomArray(2 * 3 * 4 * 5, 10), [2, 3, 4, 5]);
      const big = tf.tensor4d(randomArray(16 * 16 * 16 * 8, 15), [16, 16, 16, 8]);
      return [
        tf.sum(x, [0, 1, 2]),
        tf.sum(x, [0], true),
        tf.sum(x, [1, 3]),
        tf.sum(x),
        tf.mean(x, [0, 1, 2]),
        tf.mean(x, [0, 1], true),
        tf.mean(x, [2]),
        tf.sum(big, [0, 1, 2]),
        tf.mean(big, [0, 1, 2]),
        // A leading axis of 1 (the Dense layer's batch norm) and a 4096-element pooling window.
        tf.sum(tf.tensor3d(randomArray(6 * 5, 16), [1, 6, 5]), [0, 1]),
        tf.mean(tf.tensor4d(randomArray(2 * 64 * 64 * 3, 17), [2, 64, 64, 3]), [0, 1, 2]),
        tf.sum(tf.tensor4d(randomArray(2 * 64 * 64 * 3, 17), [2, 64, 64, 3]), [0, 1, 2]),
      ];
    });
  });

  it('batch normalisation forward: per-channel statistics with and without scale and offset, and other shapes', async () => {
    await compare(() => {
      const x = tf.tensor4d(randomArray(3 * 4 * 5 * 6, 31), [3, 4, 5, 6]);
      const mean = tf.tensor1d(randomArray(6, 32));
      const variance = tf.tensor1d(randomArray(6, 33).map((v) => v + 1));
      const scale = tf.tensor1d(randomArray(6, 34).map((v) => v + 1));
      const offset = tf.tensor1d(randomArray(6, 35));
      const x2 = tf.tensor2d(randomArray(7 * 6, 36), [7, 6]);
      return [
        tf.batchNorm(x, mean, variance, offset, scale, 1e-3),
        tf.batchNorm(x, mean, variance, undefined, undefined, 1e-3),
        tf.batchNorm(x2, mean, variance, offset, scale, 1e-3),
        tf.batchNorm(x, tf.reshape(mean, [1, 1, 1, 6]), tf.reshape(variance, [1, 1, 1, 6]), tf.reshape(offset, [1, 1, 1, 6]), tf.reshape(scale, [1, 1, 1, 6]), 1e-3),
      ];
    });
  });

  it('mean gradients over any axes, against dy / n broadcast with a multiply by ones', async () => {
    const x = () => tf.tensor4d(randomArray(3 * 4 * 5 * 6, 41), [3, 4, 5, 6]);
    const cases: [number[] | null, boolean][] = [[[0, 1, 2], false], [[0, 1, 2], true], [[1, 3], false], [null, false]];
    await compare(
      () => cases.map(([axes, keep]) => tf.grad((a: tf.Tensor) => tf.mul(tf.mean(a, axes ?? undefined, keep), tf.mean(a, axes ?? undefined, keep)))(x())),
      () =>
        cases.map(([axes, keep]) => {
          const a = x();
          const m = tf.mean(a, axes ?? undefined, true);
          const n = a.size / m.size;
          return tf.div(tf.mul(tf.mul(m, 2), tf.onesLike(a)), n); // d(m^2)/dm = 2m, spread evenly
        }),
    );
  });

  it('batch-norm gradients for every input (training-mode batch statistics), against the formula built from plain ops', async () => {
    // Our FusedBatchNorm gradient replaces tfjs's for every backend, so the reference is the
    // same normalisation written with elementwise ops, differentiated by tfjs's own gradients.
    const inputs = () => ({
      x: tf.tensor4d(randomArray(4 * 3 * 3 * 5, 11), [4, 3, 3, 5]),
      gamma: tf.tensor1d(randomArray(5, 12).map((v) => v + 1)),
      beta: tf.tensor1d(randomArray(5, 13)),
      dy: tf.tensor4d(randomArray(4 * 3 * 3 * 5, 14), [4, 3, 3, 5]),
    });
    const gradients = (normalise: (a: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, g: tf.Tensor, o: tf.Tensor) => tf.Tensor) => () => {
      const { x, gamma, beta, dy } = inputs();
      const f = (a: tf.Tensor, g: tf.Tensor, o: tf.Tensor) => {
        const { mean, variance } = tf.moments(a, [0, 1, 2]);
        return normalise(a, mean, variance, g, o);
      };
      return tf.grads(f)([x, gamma, beta], dy);
    };
    await compare(
      gradients((a, mean, variance, g, o) => tf.batchNorm(a, mean, variance, o, g, 1e-3)),
      gradients((a, mean, variance, g, o) => tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-3))), g), o)),
    );
  });

  it('identity and same-dtype cast share the buffer, and each survives the other being freed', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    const x = tf.tensor2d([1.5, -2, 3, 4], [2, 2]);
    const ids = backend.numDataIds();
    const copy = tf.clone(x);
    const same = tf.cast(x, 'float32');
    const ints = tf.cast(x, 'int32');
    expect(backend.numDataIds()).toBe(ids + 1); // only the int32 cast has a buffer of its own
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1.5, -2, 3, 4]);
    copy.dispose();
    expect(Array.from(same.dataSync())).toEqual([1.5, -2, 3, 4]);
    expect(Array.from(ints.dataSync())).toEqual([1, -2, 3, 4]);
    tf.dispose([same, ints]);
    expect(backend.numDataIds()).toBe(ids - 1);
  });

  it('a textbook-CNN training step leaves no tensor or wasm buffer behind', async () => {
    await tf.setBackend('wasm');
    const { buildTextbookCnn } = await import('../../../src-main/services/ml/textbook-cnn');
    const model = buildTextbookCnn();
    const x = tf.randomUniform([4, 32, 32, 3]);
    const y = tf.oneHot(tf.tensor1d([1, 2, 3, 4], 'int32'), 10);
    await model.trainOnBatch(x, y);
    const tensors = tf.memory().numTensors;
    const buffers = tf.backend().numDataIds();
    await model.trainOnBatch(x, y);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds()).toBe(buffers);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('a training step leaks no wasm memory', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([4, 8, 8, 3]);
    const f = tf.variable(tf.randomNormal([3, 3, 3, 4]));
    const step = () => tf.tidy(() => tf.grad((w: tf.Tensor) => tf.sum(tf.maxPool(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), 2, 2, 'valid')))(f));
    step().dispose();
    const before = tf.memory().numBytes;
    step().dispose();
    expect(tf.memory().numBytes).toBe(before);
    x.dispose();
    f.dispose();
  });
});
