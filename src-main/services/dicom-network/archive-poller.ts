import type { ArchivePoll } from '@shared/ipc/archive-contract';
import type { AuditLog } from '../audit/audit-log';
import type { ArchiveService } from './archive-service';

/**
 * Polls one archive every N minutes for chest X-rays (CR, DX) of the last H hours and retrieves the
 * studies not yet here. C-FIND and QIDO-RS match dates, not times, so "the last H hours" is asked as
 * the dates from H hours ago to today; studies already here are skipped, and a study retrieved twice
 * would add nothing anyway. A poll never overlaps the previous one.
 */
export class ArchivePoller {
  private timer: NodeJS.Timeout | null = null;
  private current: { controller: AbortController; done: Promise<void> } | null = null;
  private stopped = false;

  constructor(
    private readonly archives: ArchiveService,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Follows the stored setting; called at start and after every settings change. */
  reschedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const poll = this.archives.settings().poll;
    if (this.stopped || poll.archive === null) return;
    this.timer = setInterval(() => void this.pollOnce(), poll.everyMinutes * 60_000);
    this.timer.unref();
  }

  /** One poll now: resolves with how many studies were new and retrieved (tests, and the first poll after a change). */
  async pollOnce(): Promise<{ found: number; retrieved: number } | null> {
    const poll = this.archives.settings().poll;
    if (this.current || poll.archive === null) return null;
    const controller = new AbortController();
    let result: { found: number; retrieved: number } | null = null;
    const done = this.run(poll, controller.signal).then(
      (outcome) => {
        result = outcome;
      },
      (error: unknown) => {
        // Which archive and why, never patient data; the next poll tries again.
        this.audit.record('archive.poll_failed', undefined, { archive: poll.archive, reason: error instanceof Error ? error.message : 'error' });
      },
    );
    this.current = { controller, done };
    await done;
    this.current = null;
    return result;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.current?.controller.abort();
    await this.current?.done;
  }

  private async run(poll: ArchivePoll, signal: AbortSignal): Promise<{ found: number; retrieved: number }> {
    const now = this.now();
    const from = new Date(now.getTime() - poll.lookBackHours * 3_600_000);
    const { studies } = await this.archives.query({ archive: poll.archive!, dateFrom: localDate(from), dateTo: localDate(now), modalities: ['CR', 'DX'] }, signal);
    const fresh = studies.filter((study) => !study.alreadyHere).map((study) => study.studyInstanceUid);
    if (fresh.length > 0) await this.archives.retrieve(poll.archive!, fresh, { signal });
    this.audit.record('archive.polled', undefined, { archive: poll.archive, found: studies.length, retrieved: fresh.length });
    return { found: studies.length, retrieved: fresh.length };
  }
}

/** Study dates are the site's local dates. */
function localDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
