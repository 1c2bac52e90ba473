import { describe, expect, it } from 'vitest';
import { countOf, formatPointsDelta, formatProbability } from '../../../src-renderer/lib/format';

describe('formatProbability', () => {
  it('shows one decimal in between', () => {
    expect(formatProbability(0.734)).toBe('73.4 %');
    expect(formatProbability(0.9994)).toBe('99.9 %');
    expect(formatProbability(0.0005)).toBe('0.1 %');
  });

  it('never claims certainty: what would round to 100.0 % or 0.0 % reads as a bound', () => {
    expect(formatProbability(0.99951)).toBe('> 99.9 %');
    expect(formatProbability(0.9999999)).toBe('> 99.9 %');
    expect(formatProbability(1)).toBe('> 99.9 %');
    expect(formatProbability(0.00049)).toBe('< 0.1 %');
    expect(formatProbability(0)).toBe('< 0.1 %');
  });

  it('shows a dash when there is no score', () => {
    expect(formatProbability(null)).toBe('—');
  });
});

describe('formatPointsDelta', () => {
  it('says percentage points, with a real minus sign', () => {
    expect(formatPointsDelta(0.016)).toBe('+1.6 pts');
    expect(formatPointsDelta(-0.004)).toBe('−0.4 pts');
    expect(formatPointsDelta(0)).toBe('+0.0 pts');
  });
});

describe('countOf', () => {
  it('puts the noun in the plural only when the count is not one', () => {
    expect(countOf(1, 'epoch')).toBe('1 epoch');
    expect(countOf(0, 'epoch')).toBe('0 epochs');
    expect(countOf(2345, 'study', 'studies')).toBe('2,345 studies');
  });
});
