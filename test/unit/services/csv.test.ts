import { describe, expect, it } from 'vitest';
import { csvCell } from '../../../src-main/services/exports/csv';

describe('CSV cells', () => {
  it('neutralises every cell a spreadsheet would run as a formula', () => {
    for (const formula of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1', '＝1+1', '＋1', '－1', '＠SUM(A1)', ' =1', '  ＝1', '"=1', "'=1", '\u3000=1']) {
      expect(csvCell(formula).replace(/^"/, ''), JSON.stringify(formula)).toMatch(/^'/);
    }
  });

  it('leaves ordinary text and numbers as they are', () => {
    expect(csvCell('Smith^John')).toBe('Smith^John');
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell(-1)).toBe('-1');
    expect(csvCell('say "hi", then go')).toBe('"say ""hi"", then go"');
  });
});
