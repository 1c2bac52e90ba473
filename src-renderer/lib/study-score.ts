import { isUnreliable, VERDICT_LABELS, type Verdict } from '@shared/domain/verdict';
import type { StudyRow } from '@shared/ipc/contract';
import { flagState, type FlagState } from '@shared/metrics/triage-priority';

type Scored = Pick<StudyRow, 'status' | 'probability' | 'verdict'>;

/**
 * A study's score as the shared triage rules read it. A study the import found not applicable
 * (not a chest radiograph, no pixels) is not applicable whatever a version stored for it, so no
 * screen can show or count a score for it.
 */
export function scoreOf(row: Scored): { probability: number | null; verdict: Verdict | null } {
  return row.status === 'not_applicable' ? { probability: null, verdict: 'not_applicable' } : { probability: row.probability, verdict: row.verdict };
}

/** The one flag state every list, count, filter and badge shows for a study. */
export function studyFlagState(row: Scored, threshold: number | null): FlagState {
  return flagState(scoreOf(row), threshold);
}

/** Short words for the worklist's narrow score column. */
export const VERDICT_SHORT: Partial<Record<Verdict, string>> = {
  outside_population: 'Outside pop.',
  unusual_image: 'Unusual image',
};

/** "Outside the population: age 86 years (trained on 1–5 years)". */
export function verdictText(verdict: Verdict, reason: string | null): string {
  return reason ? `${VERDICT_LABELS[verdict]}: ${reason}` : VERDICT_LABELS[verdict];
}

/** Why a study has a score that must not be trusted, or null when its score may be used as it is. */
export function unreliableReason(row: Pick<StudyRow, 'status' | 'verdict' | 'verdictReason'>): string | null {
  if (row.status === 'not_applicable' || !isUnreliable(row.verdict)) return null;
  return verdictText(row.verdict!, row.verdictReason);
}
