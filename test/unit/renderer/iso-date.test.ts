import { describe, expect, it } from 'vitest';
import { parseIsoDay } from '../../../src-renderer/lib/iso-date';

describe('parseIsoDay', () => {
  it('takes a real day as YYYY-MM-DD, the table’s format', () => {
    expect(parseIsoDay('2026-11-30')).toBe('2026-11-30');
    expect(parseIsoDay(' 2024-02-29 ')).toBe('2024-02-29');
  });

  it('refuses other formats and days that do not exist', () => {
    expect(parseIsoDay('11/30/2026')).toBeNull();
    expect(parseIsoDay('2026-11-3')).toBeNull();
    expect(parseIsoDay('2023-02-29')).toBeNull();
    expect(parseIsoDay('2026-13-01')).toBeNull();
  });

  it('reads an empty field as no limit', () => {
    expect(parseIsoDay('')).toBe('');
  });
});
