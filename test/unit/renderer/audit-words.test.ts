import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTION_TEXT, actionText, detailsText, entityText } from '../../../src-renderer/lib/audit-words';

const ROOT = path.resolve(import.meta.dirname, '../../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/**
 * Where main records an action that is not a literal, the values it can take. A new computed action
 * fails the test below until it is listed here (and given words).
 */
const COMPUTED_ACTIONS: Record<string, string[]> = {
  '`import.${status}`': ['import.completed', 'import.cancelled'],
  '`training.${result.outcome}`': ['training.completed', 'training.stopped'],
  // ModelRegistry.register(…, action) and activate(…, action): their parameter types name the values.
  action: ['model.trained', 'model.imported', 'model.activated', 'model.rolled_back'],
};

/** Every action code main writes to the audit log: the first argument of each `audit.record(`. */
function recordedActions(): { codes: Set<string>; unknown: string[] } {
  const codes = new Set<string>();
  const unknown: string[] = [];
  for (const file of sourceFiles(path.join(ROOT, 'src-main'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/audit\.record\(\s*([^,]+),/g)) {
      const argument = match[1]!.trim();
      const literals = [...argument.matchAll(/'([a-z]+\.[a-z_]+)'/g)].map((m) => m[1]!);
      if (literals.length > 0) literals.forEach((code) => codes.add(code));
      else if (COMPUTED_ACTIONS[argument]) COMPUTED_ACTIONS[argument]!.forEach((code) => codes.add(code));
      else unknown.push(`${path.relative(ROOT, file)}: ${argument}`);
    }
  }
  return { codes, unknown };
}

describe('audit log in words', () => {
  it('has words for every action code the main side records', () => {
    const { codes, unknown } = recordedActions();
    expect(unknown).toEqual([]);
    expect(codes.size).toBeGreaterThan(30);
    const missing = [...codes].filter((code) => !(code in ACTION_TEXT));
    expect(missing).toEqual([]);
  });

  it('the computed actions are the ones main can produce', () => {
    const registry = readFileSync(path.join(ROOT, 'src-main/services/registry/model-registry.ts'), 'utf8');
    expect(registry).toContain("action: 'model.trained' | 'model.imported'");
    const scoring = readFileSync(path.join(ROOT, 'src-main/services/ml/scoring/scoring-service.ts'), 'utf8');
    expect(scoring).toContain("type ActivationAction = 'model.activated' | 'model.rolled_back'");
  });

  it('reads an action as words, and an unknown one as recorded', () => {
    expect(actionText('import.completed')).toBe('Import completed');
    expect(actionText('something.new')).toBe('something.new');
  });

  it('names what an entry is about in words', () => {
    expect(entityText('model_version', '3')).toBe('model version 3');
    expect(entityText('setting', 'sitePrevalencePercent')).toBe('setting: site prevalence (%)');
    expect(entityText(null, null)).toBe('—');
  });

  it('rounds numbers for people: AUC to three decimals, thresholds as typed, counts whole', () => {
    expect(detailsText({ auc: 0.9702630575676711, threshold: 0.3 })).toBe('AUC: 0.970 · threshold: 0.30');
    expect(detailsText({ from: 0.3, to: 0.8, preset: 'manual' })).toBe('from: 0.30 · to: 0.80 · preset: manual');
    expect(detailsText({ filesSeen: 225, added: 113, identified: false, previous: null })).toBe(
      'files seen: 225 · added: 113 · identified: no · previous version: none',
    );
    expect(detailsText({ pending: 798, action: 'model.activated' })).toBe('pending: 798 · action: Model version activated');
    expect(detailsText({ seconds: 12.345678 })).toBe('seconds: 12.346');
    expect(detailsText(null)).toBe('');
  });
});
