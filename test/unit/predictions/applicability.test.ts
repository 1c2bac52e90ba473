import { describe, expect, it } from 'vitest';
import type { Population } from '@shared/ipc/pneumonia-contract';
import { ruleVerdict, scoredVerdict, type ImageFacts } from '../../../src-main/services/predictions/applicability';
import { ageInYears } from '../../../src-main/services/predictions/patient-age';

const children: Population = { modalities: [], views: ['PA', 'AP'], bodyParts: ['CHEST'], ageYears: { min: 1, max: 5 }, source: 'test' };
const chestCr: ImageFacts = {
  hasPixels: true,
  notApplicableReason: null,
  modality: 'CR',
  bodyPart: 'CHEST',
  viewPosition: 'PA',
  patientAge: null,
  patientBirthDate: null,
  studyDate: null,
};

describe('patient age', () => {
  it('reads DICOM age strings in days, weeks, months and years', () => {
    expect(ageInYears('086Y', null, null)).toBe(86);
    expect(ageInYears('018M', null, null)).toBe(1.5);
    expect(ageInYears('052W', null, null)).toBeCloseTo(0.9966, 3);
    expect(ageInYears('365D', null, null)).toBeCloseTo(0.9993, 3);
  });

  it('falls back to the birth date and the study date, and knows when it cannot tell', () => {
    expect(ageInYears(null, '1940-03-01', '2026-03-01')).toBeCloseTo(86, 1);
    expect(ageInYears(null, '19400301', '20260301')).toBeCloseTo(86, 1);
    expect(ageInYears('', null, '2026-03-01')).toBeNull();
    expect(ageInYears('junk', 'not a date', '2026-03-01')).toBeNull();
    expect(ageInYears(null, '2026-03-02', '2026-03-01')).toBeNull();
  });
});

describe('applicability rules', () => {
  it('not applicable when the import said so or there are no pixels, whatever the population', () => {
    expect(ruleVerdict({ ...chestCr, notApplicableReason: 'modality CT is not a radiograph' }, null)).toEqual({
      verdict: 'not_applicable',
      reason: 'modality CT is not a radiograph',
    });
    expect(ruleVerdict({ ...chestCr, hasPixels: false }, children).verdict).toBe('not_applicable');
  });

  it('an adult is outside a population of children, with the age and the range in the reason', () => {
    const adult = ruleVerdict({ ...chestCr, patientBirthDate: '1940-01-01', studyDate: '2026-06-01' }, children);
    expect(adult).toEqual({ verdict: 'outside_population', reason: 'age 86 years (trained on 1–5 years)' });
  });

  it('a five-and-a-half-year-old is inside "one to five"; a six-year-old and a baby are not', () => {
    expect(ruleVerdict({ ...chestCr, patientAge: '066M' }, children).verdict).toBe('in_scope');
    expect(ruleVerdict({ ...chestCr, patientAge: '006Y' }, children).reason).toBe('age 6 years (trained on 1–5 years)');
    expect(ruleVerdict({ ...chestCr, patientAge: '006M' }, children).reason).toBe('age 6 months (trained on 1–5 years)');
  });

  it('a lateral view is outside a population of frontal views', () => {
    expect(ruleVerdict({ ...chestCr, viewPosition: 'LL' }, children)).toEqual({
      verdict: 'outside_population',
      reason: 'lateral view (LL; trained on PA/AP)',
    });
  });

  it('lists every reason, and unknown facts never count against an image', () => {
    const both = ruleVerdict({ ...chestCr, viewPosition: 'LATERAL', patientAge: '070Y' }, children);
    expect(both.reason).toBe('lateral view (LATERAL; trained on PA/AP); age 70 years (trained on 1–5 years)');
    const jpeg: ImageFacts = { ...chestCr, modality: null, bodyPart: null, viewPosition: null };
    expect(ruleVerdict(jpeg, children)).toEqual({ verdict: 'in_scope', reason: null });
  });

  it('a version without a recorded population applies the import rules only', () => {
    expect(ruleVerdict({ ...chestCr, patientAge: '086Y', viewPosition: 'LL' }, null).verdict).toBe('in_scope');
  });

  it('the feature guard turns an in-scope image unusual beyond its cut-off, and adds to an outside-population reason', () => {
    const inScope = { verdict: 'in_scope' as const, reason: null };
    expect(scoredVerdict(inScope, 0.8)).toEqual(inScope);
    expect(scoredVerdict(inScope, null)).toEqual(inScope);
    expect(scoredVerdict(inScope, 2.5)).toEqual({ verdict: 'unusual_image', reason: "unlike the version's training images (feature distance 2.5× its cut-off)" });
    // Just beyond the cut-off reads as beyond it, not as "1.0×".
    expect(scoredVerdict(inScope, 1.04).reason).toContain('feature distance 1.04× its cut-off');
    const adult = { verdict: 'outside_population' as const, reason: 'age 86 years (trained on 1–5 years)' };
    expect(scoredVerdict(adult, 3).verdict).toBe('outside_population');
    expect(scoredVerdict(adult, 3).reason).toContain('also unlike');
  });
});
