/**
 * Gathers committed arrivals and hands them on in batches: once arrivals pause (or at the latest
 * after `maxWaitMs` while a sender keeps streaming), so scoring starts once per batch instead of
 * once per instance, and the worklist refreshes a few times a second at most.
 */
export class ArrivalBatcher {
  private studyIds = new Set<number>();
  private count = 0;
  private firstAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly flush: (studyIds: number[], count: number) => void,
    private readonly quietMs = 250,
    private readonly maxWaitMs = 2_000,
  ) {}

  add(studyId: number): void {
    if (this.count === 0) this.firstAt = Date.now();
    this.studyIds.add(studyId);
    this.count++;
    this.schedule(this.quietMs);
  }

  /** An association ended: what it stored need not wait for more. */
  associationEnded(): void {
    if (this.count > 0) this.schedule(0);
  }

  /** Hands on whatever is pending now (the node is stopping). */
  drain(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.count === 0) return;
    const studyIds = [...this.studyIds];
    const count = this.count;
    this.studyIds = new Set();
    this.count = 0;
    this.flush(studyIds, count);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    const latest = this.firstAt + this.maxWaitMs - Date.now();
    this.timer = setTimeout(() => this.drain(), Math.max(0, Math.min(delayMs, latest)));
  }
}
