import type { AppEvent, JobProgress } from '@shared/ipc/contract';
import { call, errorMessage, onAppEvent } from './api';
import { modelRegistry } from './model-registry.svelte';
import { worklist } from './worklist.svelte';

/**
 * Scoring of the worklist by the active model version: started by activation (main does that) or
 * by "Score now", followed here through its job events so the top bar can show it wherever the user is.
 */
class ScoringJobTracker {
  progress = $state<JobProgress | null>(null);
  starting = $state(false);
  /** The outcome of the last "Score now" or the last finished scoring job, for the Models screen. */
  note = $state<string | null>(null);
  error = $state<string | null>(null);

  get running(): boolean {
    return this.progress !== null;
  }

  listen(): () => void {
    return onAppEvent((event) => this.receive(event));
  }

  async start(): Promise<void> {
    this.starting = true;
    this.error = null;
    this.note = null;
    try {
      const { jobId, pending } = await call('startScoring');
      if (jobId === null) this.note = 'Every image is already scored by the active version.';
      else if (!this.progress) this.progress = { jobId, kind: 'scoring', phase: 'scoring', done: 0, total: pending, message: '' };
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.starting = false;
    }
  }

  private receive(event: AppEvent): void {
    if (event.name === 'job.progress' && event.payload.kind === 'scoring') {
      // Heatmaps are drawn after the scores: the worklist can show every score now.
      if (event.payload.phase === 'heatmaps' && this.progress?.phase !== 'heatmaps') void worklist.reload();
      this.progress = event.payload;
    } else if (event.name === 'job.finished' && event.payload.kind === 'scoring') {
      this.progress = null;
      this.note =
        event.payload.status === 'completed'
          ? 'Scoring finished.'
          : event.payload.status === 'cancelled'
            ? 'Scoring was cancelled.'
            : null;
      this.error = event.payload.status === 'failed' ? `Scoring failed: ${event.payload.error ?? 'unknown error'}` : null;
      // New scores change every version's count of scored images, and the worklist's scores.
      void modelRegistry.load();
      void worklist.reload();
    }
  }
}

export const scoringJob = new ScoringJobTracker();
