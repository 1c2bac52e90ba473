import { describe, expect, it } from 'vitest';
import { flagCounts, flagState, isFlagged, triageOrder, type TriageCase } from '@shared/metrics/triage-priority';

const MINUTE = 60_000;
const now = 1_000 * MINUTE;

// Worked by hand with threshold 0.5 and an aging limit of 60 minutes.
const cases: TriageCase[] = [
  { probability: 0.2, verdict: 'in_scope', waitingSince: now - 10 * MINUTE, unread: true }, // 0 unflagged
  { probability: 0.9, verdict: 'in_scope', waitingSince: now - 5 * MINUTE, unread: true }, // 1 flagged, highest
  { probability: 0.1, verdict: 'in_scope', waitingSince: now - 90 * MINUTE, unread: true }, // 2 overdue despite a low score
  { probability: 0.6, verdict: 'in_scope', waitingSince: now - 20 * MINUTE, unread: true }, // 3 flagged
  { probability: null, verdict: null, waitingSince: now - 30 * MINUTE, unread: true }, // 4 not scored
  { probability: 0.99, verdict: 'in_scope', waitingSince: now - 500 * MINUTE, unread: false }, // 5 read: done, at the bottom
  { probability: 0.5, verdict: 'in_scope', waitingSince: now - 2 * MINUTE, unread: true }, // 6 exactly at the threshold: flagged
  { probability: 0.3, verdict: 'in_scope', waitingSince: now - 61 * MINUTE, unread: true }, // 7 overdue, younger than 2
  { probability: 0.1, verdict: 'outside_population', waitingSince: now - 40 * MINUTE, unread: true }, // 8 unreliable: with the unscored
  { probability: null, verdict: 'not_applicable', waitingSince: now - 300 * MINUTE, unread: true }, // 9 not applicable: never overdue, after the unflagged
  { probability: 0.7, verdict: 'unusual_image', waitingSince: now - 1 * MINUTE, unread: true }, // 10 flagged, with its warning
];

describe('triage priority', () => {
  it('flags a score at or above the threshold, never an unscored or not-applicable study', () => {
    expect(isFlagged({ probability: 0.5, verdict: 'in_scope' }, 0.5)).toBe(true);
    expect(isFlagged({ probability: 0.4999, verdict: 'in_scope' }, 0.5)).toBe(false);
    expect(isFlagged({ probability: null, verdict: null }, 0.5)).toBe(false);
    expect(isFlagged({ probability: 0.9, verdict: 'in_scope' }, null)).toBe(false);
    // A stray probability on a not-applicable study is never a flag.
    expect(isFlagged({ probability: 1, verdict: 'not_applicable' }, 0.5)).toBe(false);
  });

  it('never calls an unreliable score "not flagged"', () => {
    expect(flagState({ probability: 0.1, verdict: 'outside_population' }, 0.5)).toBe('unreliable');
    expect(flagState({ probability: 0.1, verdict: 'unusual_image' }, 0.5)).toBe('unreliable');
    expect(flagState({ probability: 0.8, verdict: 'unusual_image' }, 0.5)).toBe('flagged');
    expect(flagState({ probability: 0.1, verdict: 'in_scope' }, 0.5)).toBe('not_flagged');
  });

  it('puts overdue studies first, then flagged by probability, no usable opinion, unflagged, not applicable, read', () => {
    expect(triageOrder(cases, 0.5, now, 60)).toEqual([2, 7, 1, 10, 3, 6, 8, 4, 0, 9, 5]);
  });

  it('re-sorts when the threshold moves: at 0.15 the low scores join the flagged group', () => {
    expect(triageOrder(cases, 0.15, now, 60)).toEqual([2, 7, 1, 10, 3, 6, 0, 8, 4, 9, 5]);
  });

  it('a longer aging limit lets the old low-score study sink back to its score', () => {
    expect(triageOrder(cases, 0.5, now, 120)).toEqual([1, 10, 3, 6, 8, 4, 7, 0, 2, 9, 5]);
  });

  it('counts each flag state', () => {
    expect(flagCounts(cases, 0.5)).toEqual({ flagged: 5, not_flagged: 3, unreliable: 1, unscored: 1, not_applicable: 1 });
    expect(flagCounts(cases, 0.95)).toEqual({ flagged: 1, not_flagged: 6, unreliable: 2, unscored: 1, not_applicable: 1 });
    expect(flagCounts(cases, null)).toEqual({ flagged: 0, not_flagged: 0, unreliable: 2, unscored: 8, not_applicable: 1 });
  });
});

describe('triage order at scale', () => {
  it('agrees with a plain comparator sort on a thousand random cases', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const verdicts = ['in_scope', 'in_scope', 'in_scope', 'outside_population', 'unusual_image', 'not_applicable'] as const;
    const many: TriageCase[] = Array.from({ length: 1000 }, () => {
      const verdict = random() < 0.1 ? null : verdicts[Math.floor(random() * verdicts.length)]!;
      const probability = verdict === null || verdict === 'not_applicable' ? null : Math.round(random() * 100) / 100;
      return { probability, verdict, waitingSince: now - Math.floor(random() * 200) * MINUTE, unread: random() < 0.8 };
    });
    const group = (c: TriageCase) => {
      if (!c.unread) return 5;
      if (c.verdict === 'not_applicable') return 4;
      if (now - c.waitingSince > 60 * MINUTE) return 0;
      if (c.probability === null) return 2;
      if (c.probability >= 0.5) return 1;
      return c.verdict === 'in_scope' ? 3 : 2;
    };
    const byWaiting = new Set([0, 2, 4]);
    const expected = many
      .map((_, i) => i)
      .sort((a, b) => {
        const [ca, cb] = [many[a]!, many[b]!];
        const byGroup = group(ca) - group(cb);
        if (byGroup !== 0) return byGroup;
        const byScore = byWaiting.has(group(ca)) ? 0 : (cb.probability ?? -1) - (ca.probability ?? -1);
        return byScore || ca.waitingSince - cb.waitingSince || a - b;
      });
    expect(triageOrder(many, 0.5, now, 60)).toEqual(expected);
  });
});
