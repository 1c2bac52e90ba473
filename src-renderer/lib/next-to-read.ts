export interface ReadState {
  unread: boolean;
  flagged: boolean;
}

/**
 * Where the viewer goes after the reader marks a study read: the next unread flagged study in the
 * reading order (wrapping round to ones skipped earlier), else the next unread study, else none.
 */
export function nextToRead(order: readonly number[], stateOf: (studyId: number) => ReadState | undefined, currentId: number): number | null {
  const start = order.indexOf(currentId);
  const rest = [...order.slice(start + 1), ...order.slice(0, Math.max(start, 0))].filter((id) => id !== currentId);
  const unread = rest.filter((id) => stateOf(id)?.unread);
  return unread.find((id) => stateOf(id)!.flagged) ?? unread[0] ?? null;
}
