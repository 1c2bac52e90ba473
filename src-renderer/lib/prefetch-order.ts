/** The studies to load ahead around the open one: the next first (where a reader usually goes), then the previous. */
export function prefetchTargets(readingOrder: readonly number[], studyId: number): number[] {
  const index = readingOrder.indexOf(studyId);
  if (index < 0) return [];
  return [readingOrder[index + 1], readingOrder[index - 1]].filter((id): id is number => id !== undefined);
}
