import { isUnreliable, type Verdict } from '../domain/verdict';

/**
 * The worklist's default reading order and the one definition of "flagged". A study is flagged
 * when the active version applies to it (its verdict is not `not_applicable`) and its score is at
 * or above the threshold; a score the version says is unreliable (outside its population, an
 * unusual image) flags the same way but is never counted or shown as "not flagged".
 * Unread studies come before read ones; among unread, any that has waited longer than the aging
 * limit rises to the top (oldest first) whatever its score, so an AI-sorted list can never let a
 * false negative wait forever. Then flagged studies by probability, then studies without a
 * usable AI opinion (not scored yet, or an unreliable score below the threshold: no AI opinion
 * must not rank below an AI "normal"), then the unflagged, then studies the model does not apply to.
 */
export interface TriageCase {
  probability: number | null;
  /** The stored verdict of the active version; null while it has not scored the study. */
  verdict: Verdict | null;
  /** Milliseconds since the epoch when the study started waiting (its import). */
  waitingSince: number;
  unread: boolean;
}

/** What the model says of a study at a threshold: every count, filter, export and badge uses this. */
export type FlagState = 'flagged' | 'not_flagged' | 'unreliable' | 'unscored' | 'not_applicable';

export function flagState(item: { probability: number | null; verdict: Verdict | null }, threshold: number | null): FlagState {
  if (item.verdict === 'not_applicable') return 'not_applicable';
  if (item.probability === null || item.verdict === null) return 'unscored';
  if (threshold !== null && item.probability >= threshold) return 'flagged';
  return isUnreliable(item.verdict) ? 'unreliable' : threshold === null ? 'unscored' : 'not_flagged';
}

export function isFlagged(item: { probability: number | null; verdict: Verdict | null }, threshold: number | null): boolean {
  return flagState(item, threshold) === 'flagged';
}

export const TriageGroup = { Overdue: 0, Flagged: 1, Unscored: 2, Unflagged: 3, NotApplicable: 4, Done: 5 } as const;
export type TriageGroup = (typeof TriageGroup)[keyof typeof TriageGroup];

export function isOverdue(item: TriageCase, now: number, agingLimitMinutes: number): boolean {
  return item.unread && item.verdict !== 'not_applicable' && now - item.waitingSince > agingLimitMinutes * 60_000;
}

export function triageGroup(item: TriageCase, threshold: number | null, now: number, agingLimitMinutes: number): TriageGroup {
  if (!item.unread) return TriageGroup.Done;
  if (isOverdue(item, now, agingLimitMinutes)) return TriageGroup.Overdue;
  switch (flagState(item, threshold)) {
    case 'flagged':
      return TriageGroup.Flagged;
    case 'not_flagged':
      return TriageGroup.Unflagged;
    case 'not_applicable':
      return TriageGroup.NotApplicable;
    default:
      return TriageGroup.Unscored;
  }
}

/**
 * The threshold-independent part of the order, computed once per list: indices by score (highest
 * first) and by waiting time (longest first), ties in input order.
 */
export function triageIndex(items: readonly TriageCase[]): { byScore: number[]; byWaiting: number[] } {
  const indices = items.map((_, i) => i);
  const byScore = [...indices].sort(
    (a, b) =>
      (items[b]!.probability ?? -1) - (items[a]!.probability ?? -1) ||
      items[a]!.waitingSince - items[b]!.waitingSince ||
      a - b,
  );
  const byWaiting = indices.sort((a, b) => items[a]!.waitingSince - items[b]!.waitingSince || a - b);
  return { byScore, byWaiting };
}

/**
 * Indices of `items` in reading order. Ties keep the longest-waiting study first, then the input
 * order, so the list never shuffles between equal cases. Linear given `triageIndex`, so it can run
 * on every movement of the threshold slider.
 */
export function triageOrder(
  items: readonly TriageCase[],
  threshold: number | null,
  now: number,
  agingLimitMinutes: number,
  index: { byScore: number[]; byWaiting: number[] } = triageIndex(items),
): number[] {
  const groups: number[][] = [[], [], [], [], [], []];
  const byWaitingTime = new Set<TriageGroup>([TriageGroup.Overdue, TriageGroup.Unscored, TriageGroup.NotApplicable]);
  for (const i of index.byWaiting) {
    const group = triageGroup(items[i]!, threshold, now, agingLimitMinutes);
    if (byWaitingTime.has(group)) groups[group]!.push(i);
  }
  for (const i of index.byScore) {
    const group = triageGroup(items[i]!, threshold, now, agingLimitMinutes);
    if (!byWaitingTime.has(group)) groups[group]!.push(i);
  }
  return groups.flat();
}

export type FlagCounts = Record<FlagState, number>;

/** How many studies are in each flag state at the threshold. */
export function flagCounts(items: readonly { probability: number | null; verdict: Verdict | null }[], threshold: number | null): FlagCounts {
  const counts: FlagCounts = { flagged: 0, not_flagged: 0, unreliable: 0, unscored: 0, not_applicable: 0 };
  for (const item of items) counts[flagState(item, threshold)]++;
  return counts;
}
