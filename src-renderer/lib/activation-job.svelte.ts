import type { AppEvent, JobProgress, ModelVersionSummary } from '@shared/ipc/contract';
import { call, errorMessage, onAppEvent } from './api';
import { modelRegistry } from './model-registry.svelte';
import { models } from './models.svelte';
import { worklist } from './worklist.svelte';

type Action = 'activate' | 'rollback';

/**
 * Activation and roll back. A version goes live atomically: main first scores every applicable
 * study with it in a job (kind `activation`) while the current version stays live and its scores
 * stay on screen; the switch happens when the job completes. Followed here through the job's
 * events, and picked up again after a reload from `models.pendingActivation`.
 */
class ActivationJob {
  /** The latest progress of the pending job; null until its first event (e.g. just after a reload). */
  progress = $state<JobProgress | null>(null);
  busy = $state(false);
  cancelling = $state(false);
  error = $state<string | null>(null);
  /** How the last activation ended, for the Models screen. */
  note = $state<string | null>(null);
  /** What this window started, so the outcome can say "rolled back"; unknown for a job picked up after a reload. */
  private action: Action = 'activate';

  get pending(): { modelVersionId: number; jobId: string } | null {
    return models.pendingActivation;
  }

  /** The version being prepared. */
  get version(): ModelVersionSummary | null {
    const pending = this.pending;
    return pending ? (models.versions.find((v) => v.id === pending.modelVersionId) ?? null) : null;
  }

  get done(): number {
    return this.progress?.jobId === this.pending?.jobId ? (this.progress?.done ?? 0) : 0;
  }

  get total(): number | null {
    return this.progress?.jobId === this.pending?.jobId ? (this.progress?.total ?? null) : null;
  }

  listen(): () => void {
    return onAppEvent((event) => this.receive(event));
  }

  /** Asks main to activate `id`; true when it went live at once or its preparation started. */
  activate(id: number): Promise<boolean> {
    return this.start('activate', id, () => call('activateModel', { modelVersionId: id, confirm: true }));
  }

  rollback(): Promise<boolean> {
    return this.start('rollback', modelRegistry.rollbackTarget?.id ?? null, () => call('rollbackModel', { confirm: true }));
  }

  async cancel(): Promise<void> {
    const pending = this.pending;
    if (!pending) return;
    this.cancelling = true;
    try {
      await call('cancelJob', { jobId: pending.jobId });
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.cancelling = false;
    }
  }

  private async start(
    action: Action,
    versionId: number | null,
    request: () => Promise<{ jobId: string | null; pending: number; activated: ModelVersionSummary | null }>,
  ): Promise<boolean> {
    this.busy = true;
    this.error = null;
    this.note = null;
    this.action = action;
    try {
      const { jobId, pending, activated } = await request();
      if (activated) {
        await this.switched(activated.name, activated.id);
      } else if (jobId) {
        // Known at once, so a job that ends before the list reloads still names its version.
        if (versionId !== null) models.pendingActivation = { modelVersionId: versionId, jobId };
        await models.load();
        // A short job may already have finished (and been handled) while the list loaded.
        if (models.pendingActivation?.jobId === jobId && this.progress?.jobId !== jobId) {
          this.progress = { jobId, kind: 'activation', phase: 'scoring', done: 0, total: pending, message: '' };
        }
      }
      return true;
    } catch (error) {
      this.error = errorMessage(error);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** The switch happened: everything that shows the active version or its scores reloads. */
  private async switched(name: string, id: number | null): Promise<void> {
    this.note = this.action === 'rollback' ? `Rolled back: ${name} is active again.` : `${name} is now active; the worklist shows its scores.`;
    if (id !== null) modelRegistry.selectedId = id;
    void worklist.reload();
    await modelRegistry.load();
  }

  private receive(event: AppEvent): void {
    if (event.name === 'job.progress' && event.payload.kind === 'activation') {
      this.progress = event.payload;
      // Started from another window: learn which version it prepares.
      if (this.pending?.jobId !== event.payload.jobId) void models.load();
    } else if (event.name === 'job.finished' && event.payload.kind === 'activation') {
      const version = this.version;
      const current = models.active;
      this.progress = null;
      models.pendingActivation = null;
      const { status, error } = event.payload;
      if (status === 'completed') {
        void this.switched(version?.name ?? 'The new version', version?.id ?? null);
      } else {
        this.note =
          status === 'cancelled'
            ? `Activation of ${version?.name ?? 'the version'} was cancelled; ${current?.name ?? 'no version'} stays active.`
            : null;
        this.error = status === 'failed' ? `Activation failed: ${(error ?? 'unknown error').replace(/\.$/, '')}; ${current?.name ?? 'no version'} stays active.` : null;
        void modelRegistry.load();
      }
      this.action = 'activate';
    }
  }
}

export const activationJob = new ActivationJob();
