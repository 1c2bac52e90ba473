import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { BACKEND_CHOICES, selectBackend, wasmThreadCount } from '../../../src-main/services/ml/runtime/backend-select';

describe('backend selection', () => {
  it('picks the best working backend and says why each better one was not used', async () => {
    const report = await selectBackend();
    expect(BACKEND_CHOICES).toContain(report.backend);
    expect(tf.getBackend()).toBe(report.backend === 'tfjs-node' || report.backend === 'tfjs-node-gpu' ? 'tensorflow' : report.backend);
    expect(report.device.length).toBeGreaterThan(0);
    // Every better candidate appears once, in order, with a reason a person can act on.
    expect(report.skipped.map((s) => s.backend)).toEqual(BACKEND_CHOICES.slice(0, BACKEND_CHOICES.indexOf(report.backend)));
    for (const skipped of report.skipped) expect(skipped.reason).toMatch(/\w{3,}.*\w{3,}/);
    if (report.skipped.some((s) => s.backend === 'tfjs-node')) {
      // A missing native binding must not leave a half-registered 'tensorflow' backend behind.
      expect(tf.getKernelsForBackend('tensorflow')).toHaveLength(0);
      expect(tf.findBackend('tensorflow')).toBeNull();
    }
  });

  it("honours the user's choice", async () => {
    const report = await selectBackend('cpu');
    expect(report).toMatchObject({ backend: 'cpu', skipped: [] });
    expect(tf.getBackend()).toBe('cpu');
    const wasm = await selectBackend('wasm');
    expect(wasm.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('runs the wasm backend on one thread a core (up to 8) and says how many', async () => {
    const report = await selectBackend('wasm');
    const wanted = wasmThreadCount();
    expect(getThreadsCount()).toBe(wanted);
    expect(report.device).toContain(wanted > 1 ? `${wanted} threads` : 'one thread');
    if (wanted > 1) {
      // The glue's fixed pool of 8 pthread workers is cut to the thread count (each costs a worker's start).
      const pthreads = (tf.backend() as unknown as { wasm: { PThread: { runningWorkers: unknown[]; unusedWorkers: unknown[] } } }).wasm.PThread;
      expect(pthreads.runningWorkers.length + pthreads.unusedWorkers.length).toBe(wanted);
      expect(Object.getOwnPropertyDescriptor(Object.prototype, 'PThread')).toBeUndefined();
    }
    // The threaded build computes what the single-threaded one does.
    const x = tf.randomNormal([8, 16, 16, 8], 0, 1, 'float32', 1) as tf.Tensor4D;
    const filter = tf.randomNormal([3, 3, 8, 16], 0, 1, 'float32', 2) as tf.Tensor4D;
    const ours = (await tf.conv2d(x, filter, 1, 'same').data()) as Float32Array;
    await tf.setBackend('cpu');
    const reference = (await tf.conv2d(tf.tensor(await x.data(), x.shape) as tf.Tensor4D, tf.tensor(await filter.data(), filter.shape) as tf.Tensor4D, 1, 'same').data()) as Float32Array;
    await tf.setBackend('wasm');
    const worst = ours.reduce((max, v, i) => Math.max(max, Math.abs(v - reference[i]!)), 0);
    expect(worst).toBeLessThan(1e-3);
  });

  it('lets a process that used the threaded backend exit on its own', () => {
    const script = `import { selectBackend } from ${JSON.stringify(path.resolve('src-main/services/ml/runtime/backend-select.ts'))};
      const report = await selectBackend('wasm'); console.log(report.device);`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.error).toBeUndefined();
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('WebAssembly SIMD');
  }, 90_000);
});
