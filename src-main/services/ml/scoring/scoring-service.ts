import { AppError } from '@shared/ipc/errors';
import type { AuditLog } from '../../audit/audit-log';
import type { Db } from '../../db/database';
import type { ImageStore } from '../../imaging/image-store';
import type { JobContext, JobOutcome, JobRunner } from '../../jobs/job-runner';
import type { PredictionRepository } from '../../predictions/prediction-repository';
import type { ModelRegistry } from '../../registry/model-registry';
import type { ModelVersionRepository } from '../../registry/model-version-repository';
import { startComputeWorker, type ComputeWorker } from '../runtime/compute-worker-client';
import type { ScoreRequestImage } from '../runtime/worker-protocol';

/** Images with pixels that the version (the one parameter) has not scored. */
const UNSCORED = `FROM images i WHERE i.has_pixels = 1
  AND NOT EXISTS (SELECT 1 FROM predictions p WHERE p.image_id = i.id AND p.model_version_id = ?)`;

interface Running {
  jobId: string;
  versionId: number;
  worker: ComputeWorker | null;
  /** More images arrived (an import) while this job ran: score them once it ends. */
  again: boolean;
}

/**
 * Keeps the worklist scored by the active model version: a job scores, in the compute worker,
 * every image the active version has not scored yet. It runs after each import and whenever the
 * active version changes; each prediction records the version and the threshold it was made under.
 */
export class ScoringService {
  private running: Running | null = null;

  constructor(
    private readonly deps: {
      db: Db;
      models: ModelVersionRepository;
      registry: ModelRegistry;
      predictions: PredictionRepository;
      jobs: JobRunner;
      store: ImageStore;
      audit: AuditLog;
    },
  ) {}

  /** Images with pixels that the version has not scored, oldest first. */
  pending(versionId: number): ScoreRequestImage[] {
    const rows = this.deps.db
      .prepare(`SELECT i.id, i.stored_path, i.format ${UNSCORED} ORDER BY i.id`)
      .all(versionId) as { id: number; stored_path: string; format: ScoreRequestImage['format'] }[];
    return rows.map((r) => ({ imageId: r.id, path: this.deps.store.resolve(r.stored_path), format: r.format }));
  }

  /** Starts scoring with the active version if there is work; a job already scoring with it picks the new images up when it ends. */
  start(): { jobId: string | null; pending: number } {
    const active = this.deps.models.active('pneumonia');
    if (!active || !this.deps.models.pneumoniaMetadata(active.id)) {
      // Nothing to score with (no model, or a version without model files): a job for the old version must not go on.
      if (this.running) {
        this.running.again = false;
        this.deps.jobs.cancel(this.running.jobId);
      }
      return { jobId: null, pending: 0 };
    }
    // Counted, not listed: this runs after every import; the job lists the images itself.
    const pending = this.deps.db.prepare(`SELECT COUNT(*) ${UNSCORED}`).pluck().get(active.id) as number;
    if (this.running) {
      if (this.running.versionId === active.id) {
        this.running.again = true;
        return { jobId: this.running.jobId, pending };
      }
      // The active version changed under a running job: its scores are for the old version; stop it.
      this.deps.jobs.cancel(this.running.jobId);
      this.running.again = true;
      return { jobId: null, pending };
    }
    if (pending === 0) return { jobId: null, pending };
    const running: Running = { jobId: '', versionId: active.id, worker: null, again: false };
    running.jobId = this.deps.jobs.start('scoring', (context) => this.score(running, context));
    this.running = running;
    return { jobId: running.jobId, pending };
  }

  async shutdown(): Promise<void> {
    const running = this.running;
    if (!running) return;
    running.again = false;
    this.deps.jobs.cancel(running.jobId);
    await running.worker?.terminate();
  }

  private async score(running: Running, context: JobContext): Promise<JobOutcome> {
    const { registry, models, predictions, audit } = this.deps;
    try {
      const { dir } = registry.modelDir(running.versionId);
      const name = models.summary(running.versionId).name;
      const images = this.pending(running.versionId);
      const worker = startComputeWorker();
      running.worker = worker;
      let done = 0;
      let failed = 0;
      context.progress({ phase: 'scoring', done, total: images.length, message: `Scoring with ${name}` });
      const finished = new Promise<string | null>((resolve) => {
        worker.onMessage((message) => {
          if (message.type === 'scored' || message.type === 'score-failed') {
            // Read the threshold per image: a clinician may move it while the job runs.
            if (message.type === 'scored') {
              const threshold = models.summary(running.versionId).threshold ?? 0.5;
              predictions.record({
                imageId: message.imageId,
                modelVersionId: running.versionId,
                probability: message.probability,
                threshold,
                heatmap: Buffer.from(message.heatmapPng),
              });
            } else failed += 1;
            done += 1;
            context.progress({ phase: 'scoring', done, total: images.length, message: `Scoring with ${name}` });
          }
          if (message.type === 'scoring-done') resolve(null);
          if (message.type === 'error') resolve(message.message);
        });
        void worker.exited.then(() => resolve(context.signal.aborted ? null : 'The compute worker stopped while scoring.'));
      });
      context.signal.addEventListener('abort', () => void worker.terminate());
      worker.send({ type: 'score', modelDir: dir, images });
      const error = await finished;
      await worker.terminate();
      audit.record('scoring.finished', { type: 'model_version', id: running.versionId }, { scored: done - failed, failed, cancelled: context.signal.aborted });
      if (error) throw new AppError('INTERNAL', `Scoring stopped: ${error}`);
      return { status: context.signal.aborted ? 'cancelled' : 'completed', importReport: null };
    } finally {
      this.running = null;
      if (running.again) setImmediate(() => this.start());
    }
  }
}
