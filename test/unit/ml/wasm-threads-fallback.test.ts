import workerThreads from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src-main/services/ml/runtime/backend-select';

// Its own file, so its own process: the wasm backend starts once a process.
describe('the wasm backend where its threads cannot start', () => {
  it('starts on one thread, says why, and still computes', async () => {
    process.env.CXR_WASM_THREADS = '2';
    const RealWorker = workerThreads.Worker;
    // As on a platform without worker threads: Emscripten's pthread pool cannot create its workers.
    (workerThreads as { Worker: unknown }).Worker = class {
      constructor() {
        throw new Error('worker threads are not available here');
      }
    };
    try {
      const report = await selectBackend('wasm');
      expect(report.backend).toBe('wasm');
      expect(report.device).toMatch(/\(one thread\); threads unavailable: .+/);
    } finally {
      (workerThreads as { Worker: unknown }).Worker = RealWorker;
    }
    expect(getThreadsCount()).toBe(1);
    const product = await tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).data();
    expect(Array.from(product)).toEqual([11]);
  });
});
