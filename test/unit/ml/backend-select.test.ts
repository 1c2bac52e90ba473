import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BACKEND_CHOICES, selectBackend } from '../../../src-main/services/ml/runtime/backend-select';

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
});
