import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BackendReport, TrainingConfig, TrainingProgress, TrainingRun, TrainingStatus } from '@shared/ipc/contract';
import { AppError } from '@shared/ipc/errors';
import type { AuditLog } from '../../audit/audit-log';
import type { JobContext, JobOutcome, JobRunner } from '../../jobs/job-runner';
import { startComputeWorker, type ComputeWorker } from '../runtime/compute-worker-client';
import { LiveRuns } from '../runtime/live-runs';
import type { FromWorker } from '../runtime/worker-protocol';
import type { TrainingRunRepository, TrainingRunRow } from './training-run-repository';

// Renderer updates at most this often between epoch ends; training steps can be much faster.
const PROGRESS_INTERVAL_MS = 250;

/**
 * CIFAR-10 training as jobs: each run trains in its own compute worker, commits every finished
 * epoch to the database, checkpoints into the model store, and can be paused, resumed, stopped,
 * and resumed from its last checkpoint after the app was closed.
 */
export class TrainingService {
  private readonly live: LiveRuns;
  private lastBackend: BackendReport | null = null;
  private shuttingDown = false;

  constructor(
    private readonly deps: { runs: TrainingRunRepository; jobs: JobRunner; audit: AuditLog; dataDir: string },
  ) {
    this.live = new LiveRuns((runId) => deps.runs.get(runId) !== null);
  }

  start(config: TrainingConfig): { runId: number; jobId: string } {
    if (!existsSync(config.datasetPath)) {
      throw new AppError('BAD_INPUT', `${config.datasetPath} does not exist. Choose the CIFAR-10 binary release or image-folder archive.`);
    }
    const runId = this.deps.runs.create(config);
    this.deps.audit.record('training.started', { type: 'training_run', id: runId }, { epochs: config.epochs, subsetSize: config.subsetSize });
    return { runId, jobId: this.launch(runId, config, false) };
  }

  pause(runId: number): TrainingStatus {
    this.live.pause(runId);
    this.deps.runs.setStatus(runId, 'paused');
    return 'paused';
  }

  /** Resumes a paused run, or restarts an interrupted or stopped run from its last checkpoint. */
  resume(runId: number): { status: TrainingStatus; jobId: string } {
    const live = this.live.get(runId);
    if (live) {
      this.live.resume(live);
      this.deps.runs.setStatus(runId, 'running');
      return { status: 'running', jobId: live.jobId };
    }
    const run = this.deps.runs.get(runId);
    if (!run) throw new AppError('NOT_FOUND', `Training run ${runId} does not exist.`);
    if (run.status === 'completed') throw new AppError('CONFLICT', `Training run ${runId} has already completed.`);
    if (!this.resumable(runId)) throw new AppError('CONFLICT', `Training run ${runId} has no checkpoint to resume from (it ended before its first epoch).`);
    this.deps.runs.setStatus(runId, 'running');
    this.deps.audit.record('training.resumed', { type: 'training_run', id: runId });
    return { status: 'running', jobId: this.launch(runId, run.config, true) };
  }

  stop(runId: number): TrainingStatus {
    const run = this.live.require(runId);
    run.worker.send({ type: 'stop' });
    return run.status;
  }

  /**
   * The app is closing: end the workers now rather than finishing an epoch, and leave the runs
   * 'interrupted' so they can be resumed from their last checkpoint next time.
   */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await this.live.terminateAll();
  }

  get(runId: number): TrainingRun {
    const row = this.deps.runs.get(runId);
    if (!row) throw new AppError('NOT_FOUND', `Training run ${runId} does not exist.`);
    return this.toRun(row);
  }

  list(limit: number): TrainingRun[] {
    return this.deps.runs.list(limit).map((row) => this.toRun(row));
  }

  /** The backend a worker picks here; probed in a short-lived worker when no run has told us yet. */
  async runtime(backend?: TrainingConfig['backend']): Promise<BackendReport> {
    if (this.lastBackend && !backend) return this.lastBackend;
    const worker = startComputeWorker();
    try {
      const report = await new Promise<BackendReport>((resolve, reject) => {
        worker.onMessage((m) => {
          if (m.type === 'backend') resolve(m.report);
          if (m.type === 'error') reject(new AppError('INTERNAL', 'The compute worker could not start a TensorFlow.js backend.'));
        });
        void worker.exited.then(() => reject(new AppError('INTERNAL', 'The compute worker stopped before it reported a backend.')));
        worker.send({ type: 'probe', ...(backend ? { backend } : {}) });
      });
      if (!backend) this.lastBackend = report;
      return report;
    } finally {
      await worker.terminate();
    }
  }

  private runDir(runId: number): string {
    return path.join(this.deps.dataDir, 'models', `cifar10-run-${runId}`);
  }

  private resumable(runId: number): boolean {
    return existsSync(path.join(this.runDir(runId), 'last', 'metadata.json'));
  }

  private toRun(row: TrainingRunRow): TrainingRun {
    const live = this.live.get(row.id);
    return {
      id: row.id,
      number: row.number,
      status: row.status,
      config: row.config,
      history: row.history,
      metrics: row.metrics,
      backend: row.backend,
      startedAt: row.startedAt,
      finishedAt: row.finishedAt,
      error: row.error,
      jobId: live?.jobId ?? null,
      resumable: !live && row.status !== 'completed' && this.resumable(row.id),
    };
  }

  private launch(runId: number, config: TrainingConfig, resume: boolean): string {
    const worker = startComputeWorker();
    const jobId = this.deps.jobs.start('training', (context) => this.supervise(runId, config, resume, worker, context));
    this.live.add(runId, jobId, worker);
    return jobId;
  }

  private async supervise(runId: number, config: TrainingConfig, resume: boolean, worker: ComputeWorker, context: JobContext): Promise<JobOutcome> {
    const { runs, jobs, audit } = this.deps;
    const jobId = () => this.live.get(runId)?.jobId ?? '';
    let lastSent = 0;
    const publish = (payload: Omit<TrainingProgress, 'runId' | 'jobId' | 'status'>, force: boolean) => {
      const now = Date.now();
      if (!force && now - lastSent < PROGRESS_INTERVAL_MS) return;
      lastSent = now;
      const status = this.live.get(runId)?.status ?? 'running';
      jobs.publish({ name: 'training.progress', payload: { runId, jobId: jobId(), status, ...payload } });
    };
    context.signal.addEventListener('abort', () => worker.send({ type: 'stop' }));
    const runDir = this.runDir(runId);
    if (resume) {
      // The checkpoint is the truth: it may hold one epoch more than the database if the app died between the two writes.
      const saved = JSON.parse(readFileSync(path.join(runDir, 'last', 'metadata.json'), 'utf8')) as { resume: { history: TrainingRun['history'] } };
      runs.setHistory(runId, saved.resume.history);
    }
    context.progress({ phase: 'preparing', done: 0, total: null, message: 'Starting the compute worker' });

    const finished = new Promise<Extract<FromWorker, { type: 'done' | 'error' }>>((resolve) => {
      worker.onMessage((message) => {
        switch (message.type) {
          case 'backend':
            this.lastBackend = message.report;
            runs.setBackend(runId, message.report);
            break;
          case 'phase':
            context.progress({ phase: message.phase, done: message.done, total: message.total, message: message.message });
            break;
          case 'batch': {
            const { type: _type, ...rest } = message;
            context.progress({ phase: 'training', done: message.batch, total: message.batches, message: `Epoch ${message.epoch} of ${config.epochs}` });
            publish({ ...rest, epochs: config.epochs, epochRecord: null }, message.batch === message.batches);
            break;
          }
          case 'epoch':
            runs.appendEpoch(runId, message.record);
            publish(
              {
                epoch: message.record.epoch,
                epochs: config.epochs,
                batch: 0,
                batches: 0,
                loss: message.record.loss,
                accuracy: message.record.accuracy,
                learningRate: message.record.learningRate,
                etaSeconds: null,
                epochRecord: message.record,
              },
              true,
            );
            break;
          case 'done':
          case 'error':
            resolve(message);
            break;
        }
      });
      void worker.exited.then((code) => resolve({ type: 'error', message: `The compute worker exited unexpectedly (code ${code}).`, userFacing: false }));
    });

    worker.send(this.workerStartMessage(runId, config, resume));
    const result = await finished;
    this.live.delete(runId);
    await worker.terminate();
    if (this.shuttingDown) {
      runs.setStatus(runId, 'interrupted');
      return { status: 'cancelled', importReport: null };
    }
    if (result.type === 'error') {
      const message = result.userFacing ? result.message : `Training failed: ${result.message}`;
      runs.finish(runId, 'failed', { error: message });
      audit.record('training.failed', { type: 'training_run', id: runId });
      throw new AppError('BAD_INPUT', message);
    }
    runs.setHistory(runId, result.history);
    let modelVersionId: number | null = null;
    const bestDir = path.join(runDir, 'best');
    if (result.metrics && existsSync(path.join(bestDir, 'model.json'))) {
      modelVersionId = runs.addModelVersion(runId, bestDir, { ...result.metrics, samples: undefined });
    }
    runs.finish(runId, result.outcome, { metrics: result.metrics, modelVersionId });
    audit.record(`training.${result.outcome}`, { type: 'training_run', id: runId }, { epochs: result.history.length });
    return { status: result.outcome === 'completed' ? 'completed' : 'cancelled', importReport: null };
  }

  private workerStartMessage(runId: number, config: TrainingConfig, resume: boolean) {
    const runDir = this.runDir(runId);
    return {
      type: 'train' as const,
      config,
      cacheDir: path.join(this.deps.dataDir, 'datasets', 'cifar10'),
      lastDir: path.join(runDir, 'last'),
      bestDir: path.join(runDir, 'best'),
      resume,
    };
  }
}
