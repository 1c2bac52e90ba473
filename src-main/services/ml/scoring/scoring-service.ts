import { AppError } from '@shared/ipc/errors';
import type { JobFinished, ModelVersionSummary } from '@shared/ipc/contract';
import type { Verdict } from '@shared/domain/verdict';
import type { AuditLog } from '../../audit/audit-log';
import type { Db } from '../../db/database';
import type { ImageStore } from '../../imaging/image-store';
import type { JobContext, JobOutcome, JobRunner } from '../../jobs/job-runner';
import { ruleVerdict, scoredVerdict, type RuleVerdict } from '../../predictions/applicability';
import type { PredictionRepository } from '../../predictions/prediction-repository';
import type { ModelRegistry } from '../../registry/model-registry';
import type { ModelVersionRepository } from '../../registry/model-version-repository';
import { SCORING_PRIORITY, type ScoreRequestImage } from '../runtime/worker-protocol';
import { MISSING_HEATMAPS, PENDING_IMAGES, toFacts, type PendingImageRecord } from './pending-images';
import { ScoringWorker } from './scoring-worker';

type Purpose = 'live' | 'activation';

interface Run {
  jobId: string;
  versionId: number;
  purpose: Purpose;
  /** Live runs: more images arrived (an import) while this job ran: look again once it ends. */
  again: boolean;
}

/** Images per scoring request: a request from another job (or the viewer) waits for at most one. */
const SCORE_CHUNK = 64;
/** Heatmaps drawn per request after the scores: small, so new studies and the viewer come first. */
const HEATMAP_CHUNK = 8;
/** While an import runs, what it has committed is looked at this often. */
const SCORE_POKE_MS = 500;

type ActivationAction = 'model.activated' | 'model.rolled_back';

/**
 * Keeps the worklist scored. Every image gets a prediction row from a version: a verdict decided
 * once (not applicable, outside the version's population, an unusual image, or in scope) and, where
 * the version applies, the calibrated probability and heatmap from the compute worker.
 *
 * Two kinds of job: the live one scores new images with the active version after each import;
 * an activation job scores everything with a candidate version while the current one stays live,
 * then switches in one step, so no study that had a score ever shows "not scored".
 *
 * The worklist needs the scores; heatmaps cost four times as much. So scores come first (the
 * job's "scoring" phase), then the live job draws the active version's heatmaps ("heatmaps"
 * phase, once no import is running), and one the viewer asks for before then is drawn at once.
 * Studies are scored while their import runs, not only after it. One compute worker serves every
 * job, started when an import begins and kept warm until shortly after the last request.
 */
export class ScoringService {
  private live: Run | null = null;
  private activation: (Run & { action: ActivationAction }) | null = null;
  private readonly worker: ScoringWorker;
  /** Heatmaps the worker could not draw (`version:image`), not asked for again while the app runs. */
  private readonly heatmapFailed = new Set<string>();
  /** Import jobs running now: heatmaps wait for them. */
  private readonly imports = new Set<string>();
  private lastPoke = 0;

  constructor(
    private readonly deps: {
      db: Db;
      models: ModelVersionRepository;
      registry: ModelRegistry;
      predictions: PredictionRepository;
      jobs: JobRunner;
      store: ImageStore;
      audit: AuditLog;
      worker?: ScoringWorker;
    },
  ) {
    this.worker = deps.worker ?? new ScoringWorker();
  }

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

  /** Scored images of the version still without a heatmap, leaving out those the worker could not draw. */
  private missingHeatmaps(versionId: number): PendingImageRecord[] {
    const rows = this.deps.db.prepare(`${MISSING_HEATMAPS} ORDER BY i.id`).all(versionId) as PendingImageRecord[];
    return rows.filter((r) => !this.heatmapFailed.has(`${versionId}:${r.id}`));
  }

  /**
   * An import has begun: the worker starts and loads the active version now, while files are
   * still being read, and heatmaps wait until it ends so they never delay its studies' scores.
   */
  importBegan(jobId: string): void {
    this.imports.add(jobId);
    const active = this.deps.models.active('pneumonia');
    if (active && this.canScore(active.id)) this.worker.warm(this.deps.registry.modelDir(active.id).dir);
  }

  /** An import has committed more studies: they are scored as they come (at most every SCORE_POKE_MS), not only once it ends. */
  importProgressed(): void {
    const now = Date.now();
    if (now - this.lastPoke < SCORE_POKE_MS) return;
    this.lastPoke = now;
    this.start();
  }

  /** An import has ended: whatever it added is scored, then the heatmaps are drawn. */
  importEnded(jobId: string, status: JobFinished['status']): void {
    this.imports.delete(jobId);
    if (status !== 'failed') this.start();
  }

  /**
   * The active version's heatmap of an image: the stored one, or, for a scored image whose heatmap
   * is still to come, drawn now ahead of everything else the worker has queued, and kept.
   */
  async heatmap(imageId: number): Promise<{ bytes: Buffer; modelVersionId: number } | null> {
    const active = this.deps.models.active('pneumonia');
    if (!active) return null;
    const stored = this.deps.predictions.heatmap(imageId, active.id);
    if (stored) return { bytes: stored, modelVersionId: active.id };
    if (!this.canScore(active.id)) return null;
    const record = this.deps.db.prepare(`${MISSING_HEATMAPS} AND i.id = ?`).get(active.id, imageId) as PendingImageRecord | undefined;
    if (!record) return null;
    let bytes: Buffer | null = null;
    try {
      await this.worker.heatmaps(this.deps.registry.modelDir(active.id).dir, [this.scoreRequest(record)], SCORING_PRIORITY.viewer, (reply) => {
        if (reply.type === 'heatmap') bytes = Buffer.from(reply.heatmapPng);
      });
    } catch (error) {
      throw new AppError('INTERNAL', `The heatmap could not be drawn: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!bytes) return null;
    this.deps.predictions.setHeatmap(imageId, active.id, bytes);
    return { bytes, modelVersionId: active.id };
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
    if (pending === 0 && this.missingHeatmaps(active.id).length === 0) return { jobId: null, pending };
    const run: Run = { jobId: '', versionId: active.id, purpose: 'live', again: false };
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
    const run = { jobId: '', versionId, purpose: 'activation' as const, again: false, action };
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
    }
    await this.worker.close();
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
   * pass for images imported meanwhile; then (live runs) draws the heatmaps still missing, a few
   * at a time, scoring any newly imported images first. Images the worker cannot read are left
   * unscored (counted in the audit) instead of being retried forever. Returns true when nothing is left.
   */
  private async scoreUntilDone(run: Run, context: JobContext): Promise<boolean> {
    const { models, audit } = this.deps;
    const name = models.summary(run.versionId).name;
    const population = models.pneumoniaMetadata(run.versionId)?.population ?? null;
    const { dir } = this.deps.registry.modelDir(run.versionId);
    const message = run.purpose === 'live' ? `Scoring with ${name}` : `Preparing ${name}: scoring every study before it goes live`;
    const priority = run.purpose === 'live' ? SCORING_PRIORITY.worklist : SCORING_PRIORITY.activation;
    const counts: Record<Verdict | 'failed', number> = { in_scope: 0, outside_population: 0, unusual_image: 0, not_applicable: 0, failed: 0 };
    const failed = new Set<number>();
    let done = 0;
    let drawn = 0;
    audit.record('scoring.started', { type: 'model_version', id: run.versionId }, { purpose: run.purpose });
    try {
      for (;;) {
        if (context.signal.aborted) return false;
        const records = this.pendingRecords(run.versionId).filter((r) => !failed.has(r.id));
        if (records.length > 0) {
          done = await this.scorePass(run, records, { dir, priority, population, message, done, counts, failed }, context);
          continue;
        }
        // An import still running brings more studies to score: its end starts the heatmaps.
        if (run.purpose !== 'live' || this.imports.size > 0) return true;
        const missing = this.missingHeatmaps(run.versionId);
        if (missing.length === 0) return true;
        const total = drawn + missing.length;
        context.progress({ phase: 'heatmaps', done: drawn, total, message: `Drawing heatmaps with ${name}` });
        await this.worker.heatmaps(dir, missing.slice(0, HEATMAP_CHUNK).map((r) => this.scoreRequest(r)), SCORING_PRIORITY.background, (reply) => {
          if (reply.type === 'heatmap') this.deps.predictions.setHeatmap(reply.imageId, run.versionId, Buffer.from(reply.heatmapPng));
          else this.heatmapFailed.add(`${run.versionId}:${reply.imageId}`);
          drawn++;
          context.progress({ phase: 'heatmaps', done: drawn, total, message: `Drawing heatmaps with ${name}` });
        }, context.signal);
      }
    } catch (error) {
      if (context.signal.aborted) return false;
      throw new AppError('INTERNAL', `Scoring stopped: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
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

  /**
   * One pass over the images without a prediction: the rule verdicts at once, then the scores
   * from the worker, recorded as they arrive (without heatmaps). Returns the running count done.
   */
  private async scorePass(
    run: Run,
    records: PendingImageRecord[],
    pass: {
      dir: string;
      priority: (typeof SCORING_PRIORITY)[keyof typeof SCORING_PRIORITY];
      population: Parameters<typeof ruleVerdict>[1];
      message: string;
      done: number;
      counts: Record<Verdict | 'failed', number>;
      failed: Set<number>;
    },
    context: JobContext,
  ): Promise<number> {
    const { counts, failed, message } = pass;
    let done = pass.done;
    const total = done + records.length;
    context.progress({ phase: 'scoring', done, total, message });
    const toScore = new Map<number, RuleVerdict>();
    this.deps.db.transaction(() => {
      for (const record of records) {
        const rule = ruleVerdict(toFacts(record), pass.population);
        if (rule.verdict === 'not_applicable') {
          this.recordPrediction(run.versionId, record.id, rule, null, null);
          counts.not_applicable++;
          done++;
        } else toScore.set(record.id, rule);
      }
    })();
    context.progress({ phase: 'scoring', done, total, message });
    const images = records.filter((r) => toScore.has(r.id)).map((r) => this.scoreRequest(r));
    for (let start = 0; start < images.length && !context.signal.aborted; start += SCORE_CHUNK) {
      await this.worker.score(pass.dir, images.slice(start, start + SCORE_CHUNK), pass.priority, (reply) => {
        if (reply.type === 'scored') {
          const verdict = scoredVerdict(toScore.get(reply.imageId)!, reply.featureDistance);
          this.recordPrediction(run.versionId, reply.imageId, verdict, reply.probability, reply.featureDistance);
          counts[verdict.verdict]++;
        } else {
          failed.add(reply.imageId);
          counts.failed++;
        }
        done++;
        context.progress({ phase: 'scoring', done, total, message });
      }, context.signal);
    }
    return done;
  }

  private recordPrediction(
    versionId: number,
    imageId: number,
    verdict: { verdict: Verdict; reason: string | null },
    probability: number | null,
    featureDistance: number | null,
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
      heatmap: null,
    });
  }
}
