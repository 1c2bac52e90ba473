import { AppError } from '@shared/ipc/errors';
import type { ModelVersionSummary } from '@shared/ipc/contract';
import type { Verdict } from '@shared/domain/verdict';
import type { AuditLog } from '../../audit/audit-log';
import type { Db } from '../../db/database';
import type { ImageStore } from '../../imaging/image-store';
import type { JobContext, JobOutcome, JobRunner } from '../../jobs/job-runner';
import { ruleVerdict, scoredVerdict, type RuleVerdict } from '../../predictions/applicability';
import type { PredictionRepository } from '../../predictions/prediction-repository';
import type { ModelRegistry } from '../../registry/model-registry';
import type { ModelVersionRepository } from '../../registry/model-version-repository';
import { startComputeWorker, type ComputeWorker } from '../runtime/compute-worker-client';
import type { FromWorker, ScoreRequestImage } from '../runtime/worker-protocol';
import { PENDING_IMAGES, toFacts, type PendingImageRecord } from './pending-images';

type Purpose = 'live' | 'activation';

interface Run {
  jobId: string;
  versionId: number;
  purpose: Purpose;
  worker: ComputeWorker | null;
  /** The current pass's handler: the worker's one listener forwards to it. */
  onMessage: ((message: FromWorker) => void) | null;
  /** Live runs: more images arrived (an import) while this job ran: look again once it ends. */
  again: boolean;
}

type ActivationAction = 'model.activated' | 'model.rolled_back';

/**
 * Keeps the worklist scored. Every image gets a prediction row from a version: a verdict decided
 * once (not applicable, outside the version's population, an unusual image, or in scope) and, where
 * the version applies, the calibrated probability and heatmap from the compute worker.
 *
 * Two kinds of job: the live one scores new images with the active version after each import;
 * an activation job scores everything with a candidate version while the current one stays live,
 * then switches in one step, so no study that had a score ever shows "not scored".
 */
export class ScoringService {
  private live: Run | null = null;
  private activation: (Run & { action: ActivationAction }) | null = null;

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

  /** Images the version has no prediction for, oldest first. */
  pending(versionId: number): ScoreRequestImage[] {
    return this.pendingRecords(versionId).map((r) => this.scoreRequest(r));
  }

  private scoreRequest(r: PendingImageRecord): ScoreRequestImage {
    return { imageId: r.id, path: this.deps.store.resolve(r.stored_path), format: r.format };
  }

  private pendingRecords(versionId: number): PendingImageRecord[] {
    return this.deps.db.prepare(`${PENDING_IMAGES} ORDER BY i.id`).all(versionId) as PendingImageRecord[];
  }

  private pendingCount(versionId: number): number {
    return this.deps.db.prepare(`SELECT COUNT(*) FROM (${PENDING_IMAGES})`).pluck().get(versionId) as number;
  }

  /** A version with real model files can score; fixtures and versions without files cannot. */
  private canScore(versionId: number): boolean {
    return this.deps.models.pneumoniaMetadata(versionId) !== null;
  }

  /** Starts scoring with the active version if there is work; a job already scoring with it picks the new images up when it ends. */
  start(): { jobId: string | null; pending: number } {
    const active = this.deps.models.active('pneumonia');
    if (!active || !this.canScore(active.id)) {
      // Nothing to score with (no model, or a version without model files): a job for the old version must not go on.
      if (this.live) {
        this.live.again = false;
        this.deps.jobs.cancel(this.live.jobId);
      }
      return { jobId: null, pending: 0 };
    }
    // Counted, not listed: this runs after every import; the job lists the images itself.
    const pending = this.pendingCount(active.id);
    if (this.live) {
      if (this.live.versionId === active.id) {
        this.live.again = true;
        return { jobId: this.live.jobId, pending };
      }
      // The active version changed under a running job: its scores are for the old version; stop it.
      this.deps.jobs.cancel(this.live.jobId);
      this.live.again = true;
      return { jobId: null, pending };
    }
    if (pending === 0) return { jobId: null, pending };
    const run: Run = { jobId: '', versionId: active.id, purpose: 'live', worker: null, onMessage: null, again: false };
    run.jobId = this.deps.jobs.start('scoring', (context) => this.runLive(run, context));
    this.live = run;
    return { jobId: run.jobId, pending };
  }

  /**
   * Scoring jobs that started and never finished (the app was killed): recorded once, on the next
   * start, so the audit does not show work that silently stopped. Only the data folder's owner calls this.
   */
  recordInterrupted(): number {
    const count = (sql: string) => this.deps.db.prepare(sql).pluck().get() as number;
    const started = count("SELECT COUNT(*) FROM audit_log WHERE action = 'scoring.started'");
    const finished = count("SELECT COUNT(*) FROM audit_log WHERE action = 'scoring.finished'");
    const recorded = count("SELECT COALESCE(SUM(json_extract(details_json, '$.count')), 0) FROM audit_log WHERE action = 'scoring.interrupted'");
    const interrupted = started - finished - recorded;
    if (interrupted > 0) this.deps.audit.record('scoring.interrupted', undefined, { count: interrupted });
    return Math.max(0, interrupted);
  }

  /** The version being prepared for activation, if any. */
  pendingActivation(): { modelVersionId: number; jobId: string } | null {
    return this.activation ? { modelVersionId: this.activation.versionId, jobId: this.activation.jobId } : null;
  }

  /**
   * Makes a version active once it has scored every image: at once when nothing is left (or it
   * cannot score: a fixture), else through a cancellable job. A newer request replaces one in progress.
   */
  activate(versionId: number, action: ActivationAction = 'model.activated'): { jobId: string | null; pending: number; activated: ModelVersionSummary | null } {
    if (this.activation) {
      if (this.activation.versionId === versionId) return { jobId: this.activation.jobId, pending: this.pendingCount(versionId), activated: null };
      this.deps.jobs.cancel(this.activation.jobId);
      this.activation = null;
    }
    const pending = this.canScore(versionId) ? this.pendingCount(versionId) : 0;
    if (pending === 0) {
      const activated = this.deps.models.activate(versionId, action);
      this.start();
      return { jobId: null, pending: 0, activated };
    }
    const run = { jobId: '', versionId, purpose: 'activation' as const, worker: null, onMessage: null, again: false, action };
    run.jobId = this.deps.jobs.start('activation', (context) => this.runActivation(run, context));
    this.activation = run;
    this.deps.audit.record('model.activation_started', { type: 'model_version', id: versionId }, { pending, action });
    return { jobId: run.jobId, pending, activated: null };
  }

  async shutdown(): Promise<void> {
    for (const run of [this.live, this.activation]) {
      if (!run) continue;
      run.again = false;
      this.deps.jobs.cancel(run.jobId);
      await run.worker?.terminate();
    }
  }

  private async runLive(run: Run, context: JobContext): Promise<JobOutcome> {
    try {
      await this.scoreUntilDone(run, context);
      return { status: context.signal.aborted ? 'cancelled' : 'completed', importReport: null };
    } finally {
      this.live = null;
      if (run.again) setImmediate(() => this.start());
    }
  }

  private async runActivation(run: Run & { action: ActivationAction }, context: JobContext): Promise<JobOutcome> {
    try {
      const drained = await this.scoreUntilDone(run, context);
      if (!drained || this.activation !== run) {
        this.deps.audit.record('model.activation_cancelled', { type: 'model_version', id: run.versionId });
        return { status: 'cancelled', importReport: null };
      }
      // Nothing is pending and no await stands between that check and the switch: no import can slip in.
      this.deps.models.activate(run.versionId, run.action);
      this.activation = null;
      this.start();
      return { status: 'completed', importReport: null };
    } finally {
      if (this.activation === run) this.activation = null;
    }
  }

  /**
   * Gives every image without a prediction from the run's version one, looking again after each
   * pass for images imported meanwhile. Images the worker cannot read are left unscored (counted
   * in the audit) instead of being retried forever. Returns true when nothing is left.
   */
  private async scoreUntilDone(run: Run, context: JobContext): Promise<boolean> {
    const { models, audit } = this.deps;
    const name = models.summary(run.versionId).name;
    const population = models.pneumoniaMetadata(run.versionId)?.population ?? null;
    const message = run.purpose === 'live' ? `Scoring with ${name}` : `Preparing ${name}: scoring every study before it goes live`;
    const counts: Record<Verdict | 'failed', number> = { in_scope: 0, outside_population: 0, unusual_image: 0, not_applicable: 0, failed: 0 };
    const failed = new Set<number>();
    let done = 0;
    const stop = () => void run.worker?.terminate();
    context.signal.addEventListener('abort', stop);
    audit.record('scoring.started', { type: 'model_version', id: run.versionId }, { purpose: run.purpose });
    try {
      for (;;) {
        if (context.signal.aborted) return false;
        const records = this.pendingRecords(run.versionId).filter((r) => !failed.has(r.id));
        if (records.length === 0) return true;
        const total = done + records.length;
        context.progress({ phase: 'scoring', done, total, message });
        const toScore = new Map<number, RuleVerdict>();
        this.deps.db.transaction(() => {
          for (const record of records) {
            const rule = ruleVerdict(toFacts(record), population);
            if (rule.verdict === 'not_applicable') {
              this.recordPrediction(run.versionId, record.id, rule, null, null, null);
              counts.not_applicable++;
              done++;
            } else toScore.set(record.id, rule);
          }
        })();
        context.progress({ phase: 'scoring', done, total, message });
        if (toScore.size === 0) continue;
        const images = records.filter((r) => toScore.has(r.id)).map((r) => this.scoreRequest(r));
        await this.scoreInWorker(run, images, context, (result) => {
          if (result.type === 'scored') {
            const verdict = scoredVerdict(toScore.get(result.imageId)!, result.featureDistance);
            this.recordPrediction(run.versionId, result.imageId, verdict, result.probability, result.featureDistance, Buffer.from(result.heatmapPng));
            counts[verdict.verdict]++;
          } else {
            failed.add(result.imageId);
            counts.failed++;
          }
          done++;
          context.progress({ phase: 'scoring', done, total, message });
        });
      }
    } finally {
      context.signal.removeEventListener('abort', stop);
      await run.worker?.terminate();
      run.worker = null;
      audit.record('scoring.finished', { type: 'model_version', id: run.versionId }, {
        purpose: run.purpose,
        scored: counts.in_scope + counts.outside_population + counts.unusual_image,
        inScope: counts.in_scope,
        outsidePopulation: counts.outside_population,
        unusualImage: counts.unusual_image,
        notApplicable: counts.not_applicable,
        failed: counts.failed,
        cancelled: context.signal.aborted,
      });
    }
  }

  private recordPrediction(
    versionId: number,
    imageId: number,
    verdict: { verdict: Verdict; reason: string | null },
    probability: number | null,
    featureDistance: number | null,
    heatmap: Buffer | null,
  ): void {
    // Read the threshold per image: a clinician may move it while the job runs.
    const threshold = this.deps.models.threshold(versionId) ?? 0.5;
    this.deps.predictions.record({
      imageId,
      modelVersionId: versionId,
      verdict: verdict.verdict,
      verdictReason: verdict.reason,
      probability: verdict.verdict === 'not_applicable' ? null : probability,
      featureDistance,
      threshold,
      heatmap,
    });
  }

  /** One pass of the compute worker over the images; the worker is started once per run and kept between passes. */
  private async scoreInWorker(
    run: Run,
    images: ScoreRequestImage[],
    context: JobContext,
    onResult: (result: Extract<FromWorker, { type: 'scored' | 'score-failed' }>) => void,
  ): Promise<void> {
    const { dir } = this.deps.registry.modelDir(run.versionId);
    let worker = run.worker;
    if (!worker) {
      worker = startComputeWorker();
      worker.onMessage((message) => run.onMessage?.(message));
      run.worker = worker;
    }
    const error = await new Promise<string | null>((resolve) => {
      run.onMessage = (message) => {
        if (message.type === 'scored' || message.type === 'score-failed') onResult(message);
        else if (message.type === 'scoring-done') resolve(null);
        else if (message.type === 'error') resolve(message.message);
      };
      void worker.exited.then(() => resolve(context.signal.aborted ? null : 'The compute worker stopped while scoring.'));
      worker.send({ type: 'score', modelDir: dir, images });
    });
    run.onMessage = null;
    if (error) throw new AppError('INTERNAL', `Scoring stopped: ${error}`);
  }
}
