import { describe, expect, it } from 'vitest';
import { BestCheckpoint, EarlyStopping, ReduceLrOnPlateau } from '../../../src-main/services/ml/training/callbacks';

describe('the textbook callbacks', () => {
  it('EarlyStopping stops after `patience` epochs without a lower validation loss and remembers the best epoch', () => {
    const stopping = new EarlyStopping(3);
    const losses = [1.0, 0.8, 0.85, 0.8, 0.7, 0.71, 0.72, 0.73, 0.6];
    const decisions = losses.map((loss, i) => stopping.update(i + 1, loss));
    expect(decisions.map((d) => d.improved)).toEqual([true, true, false, false, true, false, false, false, true]);
    // An equal loss (0.8 at epoch 4) is not an improvement, as in Keras.
    expect(decisions.findIndex((d) => d.stop)).toBe(7);
    expect(stopping.state).toEqual({ best: 0.6, bestEpoch: 9, wait: 0 });
    expect(new EarlyStopping(3, { best: Infinity, bestEpoch: -1, wait: 0 }).update(1, 5)).toEqual({ improved: true, stop: false });
  });

  it('ReduceLROnPlateau halves the rate after `patience` flat epochs, resets its wait, and never goes below the floor', () => {
    const plateau = new ReduceLrOnPlateau(0.5, 2, 1e-6);
    let lr = 1e-3;
    const rates = [1.0, 1.1, 1.2, 1.3, 1.4, 0.9, 1.0, 1.0].map((loss) => (lr = plateau.update(loss, lr)));
    expect(rates).toEqual([1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4, 2.5e-4, 2.5e-4, 1.25e-4]);
    const floor = new ReduceLrOnPlateau(0.5, 1, 1e-6);
    let small = 1.5e-6;
    for (const loss of [1, 2, 3, 4]) small = floor.update(loss, small);
    expect(small).toBe(1e-6);
  });

  it('ModelCheckpoint saves only on a strictly better validation accuracy', () => {
    const best = new BestCheckpoint();
    expect([0.3, 0.5, 0.5, 0.4, 0.6].map((a) => best.update(a))).toEqual([true, true, false, false, true]);
  });
});
