/**
 * Whether the active model version applies to an image, decided once when the image is scored and
 * stored with the prediction. Every place that shows or exports a score reads it from there.
 * - `in_scope`: the score may be used as it is.
 * - `outside_population`: the image is outside what the version was trained on (age, view, ...);
 *   the score is shown with the reason and never presented as "not flagged".
 * - `unusual_image`: the image's features lie beyond the version's reference cut-off (not like its
 *   training images); shown like `outside_population`.
 * - `not_applicable`: the version does not apply at all (not a chest radiograph, no pixels): no score.
 */
export const VERDICTS = ['in_scope', 'outside_population', 'unusual_image', 'not_applicable'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const VERDICT_LABELS: Record<Verdict, string> = {
  in_scope: 'In scope',
  outside_population: 'Outside the population',
  unusual_image: 'Unusual image',
  not_applicable: 'Not applicable',
};

/** A verdict whose score exists but must not be trusted as a "normal". */
export function isUnreliable(verdict: Verdict | null): boolean {
  return verdict === 'outside_population' || verdict === 'unusual_image';
}
