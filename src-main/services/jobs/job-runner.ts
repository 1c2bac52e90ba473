import { randomUUID } from 'node:crypto';
import type { AppEvent, ImportReport, JobFinished, JobProgress } from '@shared/ipc/contract';
import { AppError } from '@shared/ipc/errors';

export type JobKind = JobProgress['kind'];

export interface JobContext {
  readonly jobId: string;
  readonly signal: AbortSignal;
  progress(update: Pick<JobProgress, 'phase' | 'done' | 'total' | 'message'>): void;
}

export interface JobOutcome {
  status: 'completed' | 'cancelled';
  importReport: ImportReport | null;
}

type Listener = (event: AppEvent) => void;

/**
 * Runs long work (imports, later scoring and training) off the request path: each job gets an
 * id, reports progress as typed events, and can be cancelled through its AbortSignal.
 */
export class JobRunner {
  private readonly listeners = new Set<Listener>();
  private readonly running = new Map<string, { controller: AbortController; done: Promise<JobFinished> }>();

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(kind: JobKind, work: (context: JobContext) => Promise<JobOutcome>): string {
    const jobId = randomUUID();
    const controller = new AbortController();
    const context: JobContext = {
      jobId,
      signal: controller.signal,
      progress: (update) => this.emit({ name: 'job.progress', payload: { jobId, kind, ...update } }),
    };
    const done = (async (): Promise<JobFinished> => {
      let finished: JobFinished;
      try {
        const outcome = await work(context);
        finished = { jobId, kind, status: outcome.status, error: null, importReport: outcome.importReport };
      } catch (error) {
        // Only the error's type is logged: its message may name files or patients.
        if (!(error instanceof AppError)) console.error(`[cxr-triage] ${kind} job failed with ${error instanceof Error ? error.name : typeof error}`);
        const message = error instanceof AppError ? error.message : 'the job failed unexpectedly';
        finished = { jobId, kind, status: 'failed', error: message, importReport: null };
      }
      this.running.delete(jobId);
      this.emit({ name: 'job.finished', payload: finished });
      return finished;
    })();
    this.running.set(jobId, { controller, done });
    return jobId;
  }

  cancel(jobId: string): boolean {
    const job = this.running.get(jobId);
    if (!job) return false;
    job.controller.abort();
    return true;
  }

  /** Resolves when the job ends; for the CLI and tests, which have no event loop of their own. */
  waitFor(jobId: string): Promise<JobFinished> {
    const job = this.running.get(jobId);
    if (!job) throw new AppError('NOT_FOUND', `No running job ${jobId}.`);
    return job.done;
  }

  async cancelAll(): Promise<void> {
    const jobs = [...this.running.values()];
    for (const job of jobs) job.controller.abort();
    await Promise.all(jobs.map((j) => j.done));
  }

  /** For a job's own typed events (training progress) beside the generic progress events. */
  publish(event: AppEvent): void {
    this.emit(event);
  }

  private emit(event: AppEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener (a closed window, a dropped socket) must not stop the job.
      }
    }
  }
}
