import { AppError } from '@shared/ipc/errors';
import type { ComputeWorker } from './compute-worker-client';

export interface LiveRun {
  jobId: string;
  worker: ComputeWorker;
  status: 'running' | 'paused';
}

/**
 * The training runs whose compute worker is alive, and the controls every kind of run shares:
 * pause and resume reach the worker at its next batch; a run without a worker says why.
 */
export class LiveRuns {
  private readonly runs = new Map<number, LiveRun>();

  /** `exists` tells a run that has ended (CONFLICT) from one that never was (NOT_FOUND). */
  constructor(private readonly exists: (runId: number) => boolean) {}

  add(runId: number, jobId: string, worker: ComputeWorker): void {
    this.runs.set(runId, { jobId, worker, status: 'running' });
  }

  get(runId: number): LiveRun | undefined {
    return this.runs.get(runId);
  }

  delete(runId: number): void {
    this.runs.delete(runId);
  }

  require(runId: number): LiveRun {
    const run = this.runs.get(runId);
    if (!run) {
      if (!this.exists(runId)) throw new AppError('NOT_FOUND', `Training run ${runId} does not exist.`);
      throw new AppError('CONFLICT', `Training run ${runId} is not running.`);
    }
    return run;
  }

  pause(runId: number): void {
    const run = this.require(runId);
    run.worker.send({ type: 'pause' });
    run.status = 'paused';
  }

  resume(run: LiveRun): void {
    run.worker.send({ type: 'resume' });
    run.status = 'running';
  }

  /** The app is closing: end every worker now rather than at the end of an epoch. */
  async terminateAll(): Promise<void> {
    await Promise.all([...this.runs.values()].map((run) => run.worker.terminate()));
  }
}
