import { describe, expect, it } from 'vitest';
import { secondsLeft } from '../../../src-renderer/lib/training-eta';

describe('secondsLeft', () => {
  const plan = { batches: 10, epochs: 3, laterEpochs: 0 };

  it('is the batches left times the pace so far', () => {
    // 5 batches in 10 s: 2 s a batch; 5 left in epoch 1 and 20 in epochs 2 and 3.
    expect(secondsLeft({ at: 0, phase: 1, epoch: 1, batch: 0 }, { at: 10_000, phase: 1, epoch: 1, batch: 5 }, plan)).toBeCloseTo(50, 10);
  });

  it('counts the later phase’s epochs too', () => {
    const withPhase2 = { ...plan, laterEpochs: 2 };
    expect(secondsLeft({ at: 0, phase: 1, epoch: 1, batch: 0 }, { at: 10_000, phase: 1, epoch: 1, batch: 5 }, withPhase2)).toBeCloseTo(90, 10);
  });

  it('paces across epochs', () => {
    expect(secondsLeft({ at: 0, phase: 1, epoch: 1, batch: 5 }, { at: 20_000, phase: 1, epoch: 2, batch: 5 }, plan)).toBeCloseTo(30, 10);
  });

  it('is unknown before any batch has passed, or across phases', () => {
    const first = { at: 0, phase: 1 as const, epoch: 1, batch: 3 };
    expect(secondsLeft(first, { ...first, at: 5_000 }, plan)).toBeNull();
    expect(secondsLeft(first, { at: 5_000, phase: 2, epoch: 1, batch: 4 }, plan)).toBeNull();
  });
});
