import type { Verdict } from '@shared/domain/verdict';
import type { Population } from '@shared/ipc/pneumonia-contract';
import { ageInYears } from './patient-age';

/** What the database knows of an image and its study that decides whether a version applies. */
export interface ImageFacts {
  hasPixels: boolean;
  /** Set at import when the object is not a chest radiograph (modality, body part, no pixels). */
  notApplicableReason: string | null;
  modality: string | null;
  bodyPart: string | null;
  viewPosition: string | null;
  patientAge: string | null;
  patientBirthDate: string | null;
  studyDate: string | null;
}

export interface RuleVerdict {
  verdict: Extract<Verdict, 'in_scope' | 'outside_population' | 'not_applicable'>;
  reason: string | null;
}

const LATERAL_VIEWS = new Set(['LL', 'RL', 'LAT', 'LATERAL', 'LLD', 'RLD']);

function formatYears(years: number): string {
  if (years >= 2) return `${Math.floor(years)} years`;
  const months = Math.floor(years * 12);
  return months >= 1 ? `${months} months` : `${Math.max(0, Math.round(years * 365))} days`;
}

/**
 * The version-independent and population rules, decided before any pixel is scored: the import's
 * verdict (not a chest radiograph) first, then the version's population (modality, body part,
 * view, age). What the image looks like (the feature guard) is judged after scoring.
 */
export function ruleVerdict(facts: ImageFacts, population: Population | null): RuleVerdict {
  if (!facts.hasPixels) return { verdict: 'not_applicable', reason: facts.notApplicableReason ?? 'no image to read' };
  if (facts.notApplicableReason) return { verdict: 'not_applicable', reason: facts.notApplicableReason };
  if (!population) return { verdict: 'in_scope', reason: null };
  const reasons: string[] = [];
  const modality = facts.modality?.toUpperCase();
  if (modality && population.modalities.length > 0 && !population.modalities.includes(modality)) {
    reasons.push(`modality ${modality} (trained on ${population.modalities.join('/')})`);
  }
  const part = facts.bodyPart?.toUpperCase();
  if (part && population.bodyParts.length > 0 && !population.bodyParts.includes(part)) {
    reasons.push(`body part ${part} (trained on ${population.bodyParts.join('/')})`);
  }
  const view = facts.viewPosition?.trim().toUpperCase();
  if (view && population.views.length > 0 && !population.views.includes(view)) {
    reasons.push(LATERAL_VIEWS.has(view) ? `lateral view (${view}; trained on ${population.views.join('/')})` : `view ${view} (trained on ${population.views.join('/')})`);
  }
  const range = population.ageYears;
  if (range) {
    const age = ageInYears(facts.patientAge, facts.patientBirthDate, facts.studyDate);
    // One year of slack at the top: "aged five" includes a child of five and a half.
    if (age !== null && (age < range.min || age >= range.max + 1)) {
      reasons.push(`age ${formatYears(age)} (trained on ${range.min}–${range.max} years)`);
    }
  }
  return reasons.length === 0 ? { verdict: 'in_scope', reason: null } : { verdict: 'outside_population', reason: reasons.join('; ') };
}

/** The final verdict once the image is scored: the feature guard can only make an in-scope image unusual. */
export function scoredVerdict(rule: RuleVerdict, featureDistance: number | null): { verdict: Verdict; reason: string | null } {
  const unusual = featureDistance !== null && featureDistance > 1;
  if (!unusual) return rule;
  // Two decimals near the cut-off: 1.04 must not read "1.0×", as if it were at the cut-off and not beyond it.
  const times = featureDistance < 2 ? featureDistance.toFixed(2) : featureDistance.toFixed(1);
  const guard = `unlike the version's training images (feature distance ${times}× its cut-off)`;
  if (rule.verdict === 'outside_population') return { verdict: 'outside_population', reason: `${rule.reason}; also ${guard}` };
  return { verdict: 'unusual_image', reason: guard };
}
