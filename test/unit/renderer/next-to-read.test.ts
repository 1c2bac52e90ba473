import { describe, expect, it } from 'vitest';
import { nextToRead, type ReadState } from '../../../src-renderer/lib/next-to-read';

function states(entries: Record<number, ReadState>): (id: number) => ReadState | undefined {
  return (id) => entries[id];
}

describe('the study opened after marking one read', () => {
  const order = [1, 2, 3, 4, 5];

  it('is the next unread flagged study, past unflagged ones', () => {
    const state = states({ 1: { unread: false, flagged: true }, 2: { unread: true, flagged: false }, 3: { unread: false, flagged: true }, 4: { unread: true, flagged: true }, 5: { unread: true, flagged: true } });
    expect(nextToRead(order, state, 1)).toBe(4);
  });

  it('wraps round to a flagged study skipped earlier before taking an unflagged one', () => {
    const state = states({ 1: { unread: true, flagged: true }, 2: { unread: true, flagged: false }, 3: { unread: false, flagged: false }, 4: { unread: true, flagged: false }, 5: { unread: false, flagged: false } });
    expect(nextToRead(order, state, 3)).toBe(1);
  });

  it('takes the next unread study when none is flagged, and none when all are read', () => {
    const someUnread = states({ 2: { unread: true, flagged: false }, 5: { unread: true, flagged: false } });
    expect(nextToRead(order, someUnread, 3)).toBe(5);
    expect(nextToRead(order, states({ 3: { unread: true, flagged: true } }), 3)).toBeNull();
  });

  it('works from a study not in the order (opened from elsewhere)', () => {
    expect(nextToRead(order, states({ 2: { unread: true, flagged: false } }), 99)).toBe(2);
  });
});
