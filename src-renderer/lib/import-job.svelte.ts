import type { AppEvent, JobFinished, JobProgress } from '@shared/ipc/contract';
import { call, errorMessage, onAppEvent } from './api';
import { app } from './app-state.svelte';
import { worklist } from './worklist.svelte';

type ImportJob =
  | { state: 'starting'; path: string }
  | { state: 'running'; path: string; jobId: string; progress: JobProgress | null; cancelling: boolean }
  | { state: 'finished'; path: string; jobId: string; result: JobFinished };

/** The one import this window runs at a time, followed through its progress events. */
class ImportJobTracker {
  job = $state<ImportJob | null>(null);
  cancelError = $state<string | null>(null);

  /** Events that arrive before `startImport` has answered with the job id they belong to. */
  private early: AppEvent[] = [];

  get busy(): boolean {
    return this.job?.state === 'starting' || this.job?.state === 'running';
  }

  /** Subscribes to pushed events; returns the unsubscribe function. */
  listen(): () => void {
    return onAppEvent((event) => this.receive(event));
  }

  /** Starts an import of `path`; a refusal (not a folder, unreadable…) is thrown for the form to show. */
  async start(path: string): Promise<void> {
    if (this.busy) return;
    this.job = { state: 'starting', path };
    this.cancelError = null;
    this.early = [];
    try {
      const { jobId } = await call('startImport', { path });
      this.job = { state: 'running', path, jobId, progress: null, cancelling: false };
      for (const event of this.early) this.receive(event);
    } catch (error) {
      this.job = null;
      throw error;
    } finally {
      this.early = [];
    }
  }

  async cancel(): Promise<void> {
    const job = this.job;
    if (job?.state !== 'running' || job.cancelling) return;
    job.cancelling = true;
    this.cancelError = null;
    try {
      await call('cancelJob', { jobId: job.jobId });
    } catch (error) {
      job.cancelling = false;
      this.cancelError = errorMessage(error);
    }
  }

  /** Hides a finished import's summary; does nothing while one runs. */
  dismiss(): void {
    if (this.job?.state === 'finished') this.job = null;
  }

  private receive(event: AppEvent): void {
    const job = this.job;
    if (job?.state === 'starting') {
      this.early.push(event);
      return;
    }
    if (job?.state !== 'running' || !('jobId' in event.payload) || event.payload.jobId !== job.jobId) return;
    if (event.name === 'job.progress') {
      job.progress = event.payload;
    } else if (event.name === 'job.finished') {
      this.job = { state: 'finished', path: job.path, jobId: job.jobId, result: event.payload };
      void app.loadInfo();
      void worklist.reload();
    }
  }
}

export const importJob = new ImportJobTracker();
