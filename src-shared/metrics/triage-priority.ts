/**
 * The worklist's default reading order. A study is flagged when its score is at or above the
 * threshold. Unread studies come before read ones; among unread, any that has waited longer than
 * the aging limit rises to the top (oldest first) whatever its score, so an AI-sorted list can
 * never let a false negative wait forever. Then flagged studies by probability, then studies the
 * model has not scored (no AI opinion must not rank below an AI "normal"), then the unflagged.
 */
export interface TriageCase {
  probability: number | null;
  /** Milliseconds since the epoch when the study started waiting (its import). */
  waitingSince: number;
  unread: boolean;
}

export const TriageGroup = { Overdue: 0, Flagged: 1, Unscored: 2, Unflagged: 3, Done: 4 } as const;
export type TriageGroup = (typeof TriageGroup)[keyof typeof TriageGroup];

export function isFlagged(probability: number | null, threshold: number | null): boolean {
  return probability !== null && threshold !== null && probability >= threshold;
}

export function isOverdue(item: TriageCase, now: number, agingLimitMinutes: number): boolean {
  return item.unread && now - item.waitingSince > agingLimitMinutes * 60_000;
}

export function triageGroup(item: TriageCase, threshold: number | null, now: number, agingLimitMinutes: number): TriageGroup {
  if (!item.unread) return TriageGroup.Done;
  if (isOverdue(item, now, agingLimitMinutes)) return TriageGroup.Overdue;
  if (item.probability === null) return TriageGroup.Unscored;
  return isFlagged(item.probability, threshold) ? TriageGroup.Flagged : TriageGroup.Unflagged;
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
  const groups: number[][] = [[], [], [], [], []];
  // Overdue and unscored studies are ordered by waiting time, the others by score.
  for (const i of index.byWaiting) {
    const group = triageGroup(items[i]!, threshold, now, agingLimitMinutes);
    if (group === TriageGroup.Overdue || group === TriageGroup.Unscored) groups[group]!.push(i);
  }
  for (const i of index.byScore) {
    const group = triageGroup(items[i]!, threshold, now, agingLimitMinutes);
    if (group !== TriageGroup.Overdue && group !== TriageGroup.Unscored) groups[group]!.push(i);
  }
  return groups.flat();
}

/** How many of the scored studies the threshold flags, and how many were not scored at all. */
export function flagCounts(
  probabilities: readonly (number | null)[],
  threshold: number | null,
): { flagged: number; unflagged: number; unscored: number } {
  let flagged = 0;
  let unscored = 0;
  for (const p of probabilities) {
    if (p === null) unscored++;
    else if (isFlagged(p, threshold)) flagged++;
  }
  return { flagged, unflagged: probabilities.length - flagged - unscored, unscored };
}
