import { describe, expect, it } from 'vitest';
import { operatingIntervals, wilsonInterval } from '@shared/metrics/proportion-interval';

describe('wilsonInterval', () => {
  it('matches published Wilson intervals', () => {
    // Newcombe (1998), Stat Med 17:857, table I: 81/263 -> 0.2553 to 0.3662; 0/10 -> 0 to 0.2775.
    expect(wilsonInterval(81, 263)).toMatchObject({ low: expect.closeTo(0.2553, 4), high: expect.closeTo(0.3662, 4) });
    expect(wilsonInterval(0, 10)).toMatchObject({ low: 0, high: expect.closeTo(0.2775, 4) });
  });

  it('keeps width at 100 %: 10 of 10 does not prove the rate is 1', () => {
    const all = wilsonInterval(10, 10)!;
    expect(all.high).toBe(1);
    expect(all.low).toBeCloseTo(0.7225, 4);
  });

  it('narrows as the count grows at the same rate', () => {
    const small = wilsonInterval(19, 20)!;
    const large = wilsonInterval(190, 200)!;
    expect(large.high - large.low).toBeLessThan((small.high - small.low) / 2);
    expect(large.low).toBeGreaterThan(small.low);
  });

  it('is null for no cases and rejects impossible counts', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(() => wilsonInterval(5, 4)).toThrow(/0 <= successes <= total/);
    expect(() => wilsonInterval(1.5, 4)).toThrow(/whole counts/);
  });
});

describe('operatingIntervals', () => {
  it('takes each rate from its own counts', () => {
    // 58 of 61 pneumonias flagged, 38 of 43 normals not: sensitivity 0.951 (0.865-0.983 by hand).
    const intervals = operatingIntervals({ tp: 58, fn: 3, tn: 38, fp: 5 });
    expect(intervals.sensitivity).toMatchObject({ successes: 58, total: 61, low: expect.closeTo(0.8651, 4), high: expect.closeTo(0.9831, 4) });
    expect(intervals.specificity).toMatchObject({ successes: 38, total: 43 });
    expect(intervals.ppv).toMatchObject({ successes: 58, total: 63 });
    expect(intervals.npv).toMatchObject({ successes: 38, total: 41 });
    expect(operatingIntervals({ tp: 0, fn: 0, tn: 4, fp: 0 }).sensitivity).toBeNull();
  });
});
