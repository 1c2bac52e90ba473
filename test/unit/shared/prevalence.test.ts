import { describe, expect, it } from 'vitest';
import { atPrevalence } from '@shared/metrics/prevalence';

describe('atPrevalence', () => {
  it('gives PPV from sensitivity, specificity and prevalence (Bayes)', () => {
    // 90 % sensitive, 95 % specific, 10 % prevalence: 9 true flags and 4.5 false ones per 100 studies.
    const result = atPrevalence(0.9, 0.95, 0.1);
    expect(result.flagsPer100).toBeCloseTo(13.5, 10);
    expect(result.ppv).toBeCloseTo(9 / 13.5, 10);
  });

  it('at the evaluation set’s own prevalence, PPV equals the counted precision', () => {
    // 55 of 61 pneumonias flagged, 41 of 43 normals left: PPV counted 55 / 57.
    const result = atPrevalence(55 / 61, 41 / 43, 61 / 104);
    expect(result.ppv).toBeCloseTo(55 / 57, 10);
    expect(result.flagsPer100).toBeCloseTo((57 / 104) * 100, 10);
  });

  it('has no PPV when nothing is flagged', () => {
    expect(atPrevalence(0, 1, 0.2)).toEqual({ flagsPer100: 0, ppv: null });
  });
});
