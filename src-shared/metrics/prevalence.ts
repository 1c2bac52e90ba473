/**
 * What a threshold means at a site's own prevalence. Sensitivity and specificity do not depend on
 * how common pneumonia is; the share of studies flagged and how many flags are right (PPV) do.
 */
export interface AtPrevalence {
  /** Studies flagged per 100 read: sens·p + (1 − spec)(1 − p), times 100. */
  flagsPer100: number;
  /** Share of flags that are pneumonia: sens·p / (sens·p + (1 − spec)(1 − p)); null when nothing is flagged. */
  ppv: number | null;
}

export function atPrevalence(sensitivity: number, specificity: number, prevalence: number): AtPrevalence {
  const truePositives = sensitivity * prevalence;
  const falsePositives = (1 - specificity) * (1 - prevalence);
  const flagged = truePositives + falsePositives;
  return { flagsPer100: flagged * 100, ppv: flagged > 0 ? truePositives / flagged : null };
}
