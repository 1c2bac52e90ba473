import { describe, expect, it } from 'vitest';
import { flagCounts, isFlagged, triageOrder, type TriageCase } from '@shared/metrics/triage-priority';

const MINUTE = 60_000;
const now = 1_000 * MINUTE;

// Worked by hand with threshold 0.5 and an aging limit of 60 minutes.
const cases: TriageCase[] = [
  { probability: 0.2, waitingSince: now - 10 * MINUTE, unread: true }, // 0 unflagged
  { probability: 0.9, waitingSince: now - 5 * MINUTE, unread: true }, // 1 flagged, highest
  { probability: 0.1, waitingSince: now - 90 * MINUTE, unread: true }, // 2 overdue despite a low score
  { probability: 0.6, waitingSince: now - 20 * MINUTE, unread: true }, // 3 flagged
  { probability: null, waitingSince: now - 30 * MINUTE, unread: true }, // 4 not scored
  { probability: 0.99, waitingSince: now - 500 * MINUTE, unread: false }, // 5 read: done, at the bottom
  { probability: 0.5, waitingSince: now - 2 * MINUTE, unread: true }, // 6 exactly at the threshold: flagged
  { probability: 0.3, waitingSince: now - 61 * MINUTE, unread: true }, // 7 overdue, younger than 2
];

describe('triage priority', () => {
  it('flags a score at or above the threshold, never an unscored study', () => {
    expect(isFlagged(0.5, 0.5)).toBe(true);
    expect(isFlagged(0.4999, 0.5)).toBe(false);
    expect(isFlagged(null, 0.5)).toBe(false);
    expect(isFlagged(0.9, null)).toBe(false);
  });

  it('puts overdue studies first, then flagged by probability, unscored, unflagged, read', () => {
    expect(triageOrder(cases, 0.5, now, 60)).toEqual([2, 7, 1, 3, 6, 4, 0, 5]);
  });

  it('re-sorts when the threshold moves: at 0.15 the low scores join the flagged group', () => {
    expect(triageOrder(cases, 0.15, now, 60)).toEqual([2, 7, 1, 3, 6, 0, 4, 5]);
  });

  it('a longer aging limit lets the old low-score study sink back to its score', () => {
    expect(triageOrder(cases, 0.5, now, 120)).toEqual([1, 3, 6, 4, 7, 0, 2, 5]);
  });

  it('counts flagged, unflagged and unscored studies', () => {
    const p = cases.map((c) => c.probability);
    expect(flagCounts(p, 0.5)).toEqual({ flagged: 4, unflagged: 3, unscored: 1 });
    expect(flagCounts(p, 0.95)).toEqual({ flagged: 1, unflagged: 6, unscored: 1 });
    expect(flagCounts(p, null)).toEqual({ flagged: 0, unflagged: 7, unscored: 1 });
  });
});

describe('triage order at scale', () => {
  it('agrees with a plain comparator sort on a thousand random cases', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const many: TriageCase[] = Array.from({ length: 1000 }, () => ({
      probability: random() < 0.1 ? null : Math.round(random() * 100) / 100,
      waitingSince: now - Math.floor(random() * 200) * MINUTE,
      unread: random() < 0.8,
    }));
    const group = (c: TriageCase) =>
      !c.unread ? 4 : now - c.waitingSince > 60 * MINUTE ? 0 : c.probability === null ? 2 : c.probability >= 0.5 ? 1 : 3;
    const expected = many
      .map((_, i) => i)
      .sort((a, b) => {
        const [ca, cb] = [many[a]!, many[b]!];
        const byGroup = group(ca) - group(cb);
        if (byGroup !== 0) return byGroup;
        const byScore = group(ca) === 0 || group(ca) === 2 ? 0 : (cb.probability ?? -1) - (ca.probability ?? -1);
        return byScore || ca.waitingSince - cb.waitingSince || a - b;
      });
    expect(triageOrder(many, 0.5, now, 60)).toEqual(expected);
  });
});
