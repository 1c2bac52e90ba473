import { describe, expect, it } from 'vitest';
import { prefetchTargets } from '../../../src-renderer/lib/prefetch-order';

describe('which studies the viewer decodes ahead', () => {
  it('takes the next study first, then the previous one', () => {
    expect(prefetchTargets([4, 9, 2, 7], 2)).toEqual([7, 9]);
  });

  it('takes only the neighbour there is at either end, and nothing for a study not in the order', () => {
    expect(prefetchTargets([4, 9, 2], 4)).toEqual([9]);
    expect(prefetchTargets([4, 9, 2], 2)).toEqual([9]);
    expect(prefetchTargets([4], 4)).toEqual([]);
    expect(prefetchTargets([4, 9], 5)).toEqual([]);
  });
});
