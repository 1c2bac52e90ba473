import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { DataPreview, PneumoniaProgress, PneumoniaRun, TrainingStatus, VersionComparison } from '@shared/ipc/contract';
import type { PneumoniaDataSource, PneumoniaEvaluation, PneumoniaTrainingConfig } from '@shared/ipc/pneumonia-contract';
import { AppError } from '@shared/ipc/errors';
import type { AuditLog } from '../../audit/audit-log';
import type { JobContext, JobOutcome, JobRunner } from '../../jobs/job-runner';
import type { ModelRegistry } from '../../registry/model-registry';
import type { ModelVersionRepository } from '../../registry/model-version-repository';
import { splitDataset, type DatasetSplits } from '../pneumonia/dataset-split';
import { listKaggleSamples } from '../pneumonia/kaggle-samples';
import { PneumoniaDataError } from '../pneumonia/pneumonia-data-error';
import type { PneumoniaSample } from '../pneumonia/pneumonia-sample';
import { startComputeWorker, type ComputeWorker } from '../runtime/compute-worker-client';
import { LiveRuns } from '../runtime/live-runs';
import type { FromWorker } from '../runtime/worker-protocol';
import type { PneumoniaRunRepository, PneumoniaRunRow } from './pneumonia-run-repository';
import type { LabelledStudySamples } from './labelled-study-samples';

type SplitRequest = { data: PneumoniaDataSource; validationFraction: number; minValidationImages: number; maxTrainImages: number | null; seed: number };

// Renderer updates at most this often between epoch ends.
const PROGRESS_INTERVAL_MS = 250;

/**
 * Training and fine-tuning of the pneumonia model as jobs: the data is listed and split here (the
 * same code the preview uses), the compute worker trains and evaluates, and the result becomes a
 * new, inactive model version, compared with the active one on the same test images.
 */
export class PneumoniaTrainingService {
  private readonly live: LiveRuns;
  private shuttingDown = false;

  constructor(
    private readonly deps: {
      runs: PneumoniaRunRepository;
      jobs: JobRunner;
      audit: AuditLog;
      models: ModelVersionRepository;
      registry: ModelRegistry;
      studySamples: LabelledStudySamples;
    },
  ) {
    this.live = new LiveRuns((runId) => deps.runs.get(runId) !== null);
  }

  async preview(request: SplitRequest): Promise<DataPreview> {
    const { splits, hadTestSplit } = await this.split(request);
    const { summary } = splits;
    const notes: string[] = [];
    if (summary.validationSplit === 'by-patient') {
      notes.push(
        `Validation set: ${Math.round(request.validationFraction * 100)} % of the training patients, carved by patient (the source's own validation split is missing or has fewer than ${request.minValidationImages} images).`,
      );
    }
    if (!hadTestSplit) notes.push('The source has no test split: a share of the patients was held out as the test set, by patient.');
    const normal = summary.train.normal;
    const pneumonia = summary.train.pneumonia;
    if (Math.max(normal, pneumonia) > 1.5 * Math.min(normal, pneumonia)) {
      notes.push(`The training classes are unbalanced (${normal} normal, ${pneumonia} pneumonia); class weights correct for it when enabled.`);
    }
    return { summary, notes };
  }

  async start(config: PneumoniaTrainingConfig): Promise<{ runId: number; jobId: string }> {
    const { weightsPath } = config.backbone;
    if (weightsPath !== null && !existsSync(weightsPath)) {
      throw new AppError('BAD_INPUT', `The backbone weights ${weightsPath} do not exist.`);
    }
    const baseModelDir = config.baseVersionId === null ? null : this.deps.registry.modelDir(config.baseVersionId).dir;
    const { splits } = await this.split(config);
    if (splits.train.length === 0 || splits.val.length === 0 || splits.test.length === 0) {
      throw new AppError('BAD_INPUT', 'Training needs images in the training, validation and test sets; this data has too few patients to split.');
    }
    const runId = this.deps.runs.create(config, splits.summary);
    this.deps.audit.record(
      'pneumonia.training_started',
      { type: 'training_run', id: runId },
      { backbone: config.backbone.kind, pretrained: weightsPath !== null, baseVersionId: config.baseVersionId, fingerprint: splits.summary.fingerprint },
    );
    const worker = startComputeWorker();
    const jobId = this.deps.jobs.start('pneumonia-training', (context) => this.supervise(runId, config, splits, baseModelDir, worker, context));
    this.live.add(runId, jobId, worker);
    return { runId, jobId };
  }

  pause(runId: number): TrainingStatus {
    this.live.pause(runId);
    this.deps.runs.setStatus(runId, 'paused');
    return 'paused';
  }

  resume(runId: number): TrainingStatus {
    this.live.resume(this.live.require(runId));
    this.deps.runs.setStatus(runId, 'running');
    return 'running';
  }

  stop(runId: number): TrainingStatus {
    const run = this.live.require(runId);
    run.worker.send({ type: 'stop' });
    if (run.status === 'paused') run.worker.send({ type: 'resume' });
    return run.status;
  }

  get(runId: number): PneumoniaRun {
    const row = this.deps.runs.get(runId);
    if (!row) throw new AppError('NOT_FOUND', `Training run ${runId} does not exist.`);
    return this.toRun(row);
  }

  list(limit: number): PneumoniaRun[] {
    return this.deps.runs.list(limit).map((row) => this.toRun(row));
  }

  /** The app is closing: end the workers now; their runs are marked interrupted on the next start. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await this.live.terminateAll();
  }

  private async samples(source: PneumoniaDataSource): Promise<{ samples: PneumoniaSample[]; label: string }> {
    try {
      if (source.kind === 'folder') return { samples: await listKaggleSamples(source.path), label: source.path };
      return { samples: this.deps.studySamples.list(source.studyIds), label: 'labelled studies in the database' };
    } catch (error) {
      if (error instanceof PneumoniaDataError) throw new AppError('BAD_INPUT', error.message);
      throw error;
    }
  }

  private async split(request: SplitRequest): Promise<{ splits: DatasetSplits; hadTestSplit: boolean }> {
    const { samples, label } = await this.samples(request.data);
    try {
      const splits = splitDataset(samples, {
        validationFraction: request.validationFraction,
        minValidationImages: request.minValidationImages,
        maxTrainImages: request.maxTrainImages,
        seed: request.seed,
        source: label,
      });
      return { splits, hadTestSplit: samples.some((s) => s.split === 'test') };
    } catch (error) {
      if (error instanceof PneumoniaDataError) throw new AppError('BAD_INPUT', error.message);
      throw error;
    }
  }

  private toRun(row: PneumoniaRunRow): PneumoniaRun {
    return { ...row, jobId: this.live.get(row.id)?.jobId ?? null };
  }

  private async supervise(
    runId: number,
    config: PneumoniaTrainingConfig,
    splits: DatasetSplits,
    baseModelDir: string | null,
    worker: ComputeWorker,
    context: JobContext,
  ): Promise<JobOutcome> {
    const { runs, jobs, audit, registry, models } = this.deps;
    const outDir = registry.stagingDir();
    let lastSent = 0;
    let stage: PneumoniaProgress['stage'] = 'preparing';
    const publish = (payload: Omit<PneumoniaProgress, 'runId' | 'jobId' | 'status' | 'stage'>, force: boolean) => {
      const now = Date.now();
      if (!force && now - lastSent < PROGRESS_INTERVAL_MS) return;
      lastSent = now;
      const status = this.live.get(runId)?.status ?? runs.get(runId)?.status ?? 'running';
      jobs.publish({ name: 'pneumonia.progress', payload: { runId, jobId: context.jobId, status, stage, ...payload } });
    };
    const idle = { phase: null, epoch: 0, epochs: 0, batch: 0, batches: 0, loss: null, epochRecord: null } as const;
    context.signal.addEventListener('abort', () => worker.send({ type: 'stop' }));

    let evaluationWaiter: ((evaluation: PneumoniaEvaluation | string) => void) | null = null;
    const finished = new Promise<Extract<FromWorker, { type: 'pneumonia-done' | 'error' }>>((resolve) => {
      worker.onMessage((message) => {
        switch (message.type) {
          case 'backend':
            runs.setBackend(runId, message.report);
            break;
          case 'phase':
            context.progress({ phase: message.phase, done: message.done, total: message.total, message: message.message });
            publish({ ...idle, message: message.message }, true);
            break;
          case 'pneumonia-batch': {
            stage = 'training';
            const text = `Phase ${message.phase}, epoch ${message.epoch} of ${message.epochs}`;
            context.progress({ phase: 'training', done: message.batch, total: message.batches, message: text });
            const { type: _type, ...rest } = message;
            publish({ ...rest, message: text, epochRecord: null }, message.batch === message.batches);
            break;
          }
          case 'pneumonia-epoch':
            runs.appendEpoch(runId, message.record);
            publish(
              { phase: message.record.phase, epoch: message.record.epoch, epochs: 0, batch: 0, batches: 0, loss: message.record.loss, message: 'Epoch finished', epochRecord: message.record },
              true,
            );
            break;
          case 'evaluation':
            evaluationWaiter?.(message.evaluation);
            break;
          case 'pneumonia-done':
            resolve(message);
            break;
          case 'error':
            if (evaluationWaiter) evaluationWaiter(message.message);
            else resolve(message);
            break;
        }
      });
      void worker.exited.then((code) => {
        evaluationWaiter?.(`The compute worker exited unexpectedly (code ${code}).`);
        resolve({ type: 'error', message: `The compute worker exited unexpectedly (code ${code}).`, userFacing: false });
      });
    });

    // A version trained on database studies records their DICOM population; a folder's comes from the worker's rule.
    const population = config.data.kind === 'studies' ? this.deps.studySamples.population(config.data.studyIds) : undefined;
    worker.send({ type: 'pneumonia-train', config, data: splits, outDir, baseModelDir, ...(population ? { population } : {}) });
    const result = await finished;
    try {
      if (this.shuttingDown) return { status: 'cancelled', importReport: null };
      if (result.type === 'error') {
        const message = result.userFacing ? result.message : `Training failed: ${result.message}`;
        runs.finish(runId, 'failed', { error: message });
        audit.record('pneumonia.training_failed', { type: 'training_run', id: runId });
        throw new AppError('BAD_INPUT', message);
      }
      if (result.outcome === 'stopped') {
        runs.finish(runId, 'stopped', {});
        audit.record('pneumonia.training_stopped', { type: 'training_run', id: runId });
        return { status: 'cancelled', importReport: null };
      }
      const name = config.name ?? `${config.backbone.kind === 'vgg16' ? 'VGG16' : 'MobileNetV2'} run ${runId}`;
      const candidate = registry.register(outDir, name, 'model.trained');
      runs.setVersion(runId, candidate.id);

      // Score the active version on the same test images, so the two can be compared fairly.
      stage = 'comparing';
      publish({ ...idle, message: 'Scoring the active version on the same test images' }, true);
      const active = models.active('pneumonia');
      const candidateEvaluation = models.pneumoniaMetadata(candidate.id)!.evaluation;
      let activeSide: VersionComparison['active'] = null;
      if (active && models.pneumoniaMetadata(active.id)) {
        const evaluation = await new Promise<PneumoniaEvaluation | string>((resolve) => {
          evaluationWaiter = resolve;
          worker.send({
            type: 'pneumonia-evaluate',
            modelDir: registry.modelDir(active.id).dir,
            samples: splits.test,
            evaluatedOn: candidateEvaluation.evaluatedOn,
            threshold: active.threshold ?? 0.5,
            targetSensitivity: config.targetSensitivity,
          });
        });
        if (typeof evaluation === 'string') throw new AppError('INTERNAL', `The active version could not be scored for the comparison: ${evaluation}`);
        activeSide = { versionId: active.id, name: active.name, evaluation };
      }
      runs.setComparison(runId, {
        testFingerprint: splits.summary.fingerprint,
        candidate: { versionId: candidate.id, name: candidate.name, evaluation: candidateEvaluation },
        active: activeSide,
      });
      runs.finish(runId, 'completed', { versionId: candidate.id });
      audit.record('pneumonia.training_completed', { type: 'training_run', id: runId }, { versionId: candidate.id, auc: candidateEvaluation.auc });
      return { status: 'completed', importReport: null };
    } catch (error) {
      if (runs.get(runId)?.status === 'running') runs.finish(runId, 'failed', { error: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      this.live.delete(runId);
      publish({ ...idle, message: 'Finished' }, true);
      await worker.terminate();
      rmSync(outDir, { recursive: true, force: true });
    }
  }
}
