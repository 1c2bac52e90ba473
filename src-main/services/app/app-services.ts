import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { AuditLog } from '../audit/audit-log';
import { openDatabase, type Db } from '../db/database';
import { lockDataDir } from './data-dir-lock';
import { DicomDecodePool } from '../imaging/dicom/decode-pool';
import { ImageStore } from '../imaging/image-store';
import { ImportRepository } from '../imports/import-repository';
import { ImportService } from '../imports/import-service';
import { JobRunner } from '../jobs/job-runner';
import { PredictionRepository } from '../predictions/prediction-repository';
import { ModelVersionRepository } from '../registry/model-version-repository';
import { SettingsRepository } from '../settings/settings-repository';
import { StudyRepository } from '../studies/study-repository';
import { TrainingRunRepository } from '../ml/training/training-run-repository';
import { TrainingService } from '../ml/training/training-service';
import { LabelledStudySamples } from '../ml/pneumonia-training/labelled-study-samples';
import { PneumoniaRunRepository } from '../ml/pneumonia-training/pneumonia-run-repository';
import { PneumoniaTrainingService } from '../ml/pneumonia-training/pneumonia-training-service';
import type { ComputeWorker } from '../ml/runtime/compute-worker-client';
import { ScoringService } from '../ml/scoring/scoring-service';
import { ScoringWorker } from '../ml/scoring/scoring-worker';
import { ModelRegistry } from '../registry/model-registry';
import { UploadStore } from '../uploads/upload-store';
import { ArrivalSpool } from '../dicom-network/arrival-spool';
import { DicomNode, type DicomNodeOptions } from '../dicom-network/dicom-node';
import { DicomNodeSettingsRepository } from '../dicom-network/dicom-node-settings';
import { ArchivePoller } from '../dicom-network/archive-poller';
import { ArchiveService } from '../dicom-network/archive-service';
import { ArchiveSettingsRepository, moveSenders } from '../dicom-network/archive-settings';
import { ResultService, type ResultServiceOptions } from '../dicom-results/result-service';
import { ResultSettingsRepository } from '../dicom-results/result-settings';
import { APP_VERSION } from './version';

export const DATABASE_FILE = 'cxr-triage.sqlite';

/** Everything the application does, wired to one data directory. Both adapters and the CLI use this. */
export interface AppServices {
  readonly dataDir: string;
  readonly db: Db;
  readonly studies: StudyRepository;
  readonly imports: ImportRepository;
  readonly importer: ImportService;
  readonly store: ImageStore;
  readonly audit: AuditLog;
  readonly jobs: JobRunner;
  readonly models: ModelVersionRepository;
  readonly predictions: PredictionRepository;
  readonly settings: SettingsRepository;
  readonly dicom: DicomDecodePool;
  readonly training: TrainingService;
  readonly registry: ModelRegistry;
  readonly scoring: ScoringService;
  readonly pneumonia: PneumoniaTrainingService;
  readonly studySamples: LabelledStudySamples;
  readonly uploads: UploadStore;
  readonly dicomNode: DicomNode;
  readonly archives: ArchiveService;
  readonly archivePoller: ArchivePoller;
  /** Results as DICOM Structured Reports and their outbound queue. */
  readonly results: ResultService;
  close(): Promise<void>;
}

export interface AppServicesOptions {
  dicomNode?: DicomNodeOptions;
  /** The CLI's `listen` starts the node itself, with its own settings; the app starts it (and the archive poll) from the stored ones. */
  startDicomNode?: boolean;
  results?: ResultServiceOptions;
  /** How scoring starts its compute worker (benchmarks run the built bundle); by default as the app does. */
  startScoringWorker?: () => ComputeWorker;
}

/**
 * Opens the data folder as its only writer: throws DataDirLockedError while another live process
 * has it. Everything that cleans up after a killed process (interrupted runs, staging folders,
 * uploads) runs only here, so only under the lock.
 */
export function openAppServices(dataDir: string, options: AppServicesOptions = {}): AppServices {
  mkdirSync(dataDir, { recursive: true });
  const lock = lockDataDir(dataDir);
  try {
    return openLocked(dataDir, lock.release, options);
  } catch (error) {
    lock.release();
    throw error;
  }
}

function openLocked(dataDir: string, releaseLock: () => void, options: AppServicesOptions): AppServices {
  const db = openDatabase(path.join(dataDir, DATABASE_FILE));
  const studies = new StudyRepository(db);
  const imports = new ImportRepository(db);
  const store = new ImageStore(path.join(dataDir, 'images'));
  store.removeUnreferenced(studies.storedPaths());
  const audit = new AuditLog(db);
  const jobs = new JobRunner();
  const interrupted = imports.markInterrupted();
  if (interrupted > 0) audit.record('import.interrupted', undefined, { count: interrupted });
  const models = new ModelVersionRepository(db, audit);
  const predictions = new PredictionRepository(db);
  const settings = new SettingsRepository(db, audit);
  const dicom = new DicomDecodePool();
  const importer = new ImportService({ studies, imports, store, audit, jobs, dicom });
  const trainingRuns = new TrainingRunRepository(db);
  const interruptedRuns = trainingRuns.markInterrupted();
  if (interruptedRuns > 0) audit.record('training.interrupted', undefined, { count: interruptedRuns });
  const training = new TrainingService({ runs: trainingRuns, jobs, audit, dataDir });
  const registry = new ModelRegistry({ db, models, audit, dataDir });
  registry.removeStaleStaging();
  const uploads = new UploadStore(path.join(dataDir, 'uploads'));
  uploads.sweep();
  const scoring = new ScoringService({
    db,
    models,
    registry,
    predictions,
    jobs,
    store,
    audit,
    ...(options.startScoringWorker ? { worker: new ScoringWorker({ start: options.startScoringWorker }) } : {}),
  });
  scoring.recordInterrupted();
  const pneumoniaRuns = new PneumoniaRunRepository(db);
  const interruptedPneumonia = pneumoniaRuns.markInterrupted();
  if (interruptedPneumonia > 0) audit.record('pneumonia.training_interrupted', undefined, { count: interruptedPneumonia });
  const studySamples = new LabelledStudySamples(db, store);
  const pneumonia = new PneumoniaTrainingService({ runs: pneumoniaRuns, jobs, audit, models, registry, studySamples });
  // New images are scored by the active version while their import runs and as soon as it ends,
  // by a worker that started loading the version when the import began.
  jobs.onEvent((event) => {
    if (event.name === 'job.progress' && event.payload.kind === 'import') {
      if (event.payload.phase === 'scanning') scoring.importBegan(event.payload.jobId);
      else scoring.importProgressed();
    }
    if (event.name === 'job.finished' && event.payload.kind === 'import') scoring.importEnded(event.payload.jobId, event.payload.status);
  });
  // Images a closed or killed app left unscored are scored on the next start.
  scoring.start();
  const spool = new ArrivalSpool({ db, imports, importer, studies }, path.join(dataDir, 'dicom-spool'));
  const archiveSettings = new ArchiveSettingsRepository(db, audit);
  const dicomNode = new DicomNode(
    {
      db,
      imports,
      spool,
      settings: new DicomNodeSettingsRepository(db, audit),
      audit,
      jobs,
      score: () => scoring.start(),
      // An archive retrieved from by C-MOVE sends the studies itself: it may associate without being listed as a sender.
      extraSenders: () => moveSenders(archiveSettings.get()),
    },
    options.dicomNode,
  );
  const archives = new ArchiveService({ db, imports, spool, node: dicomNode, settings: archiveSettings, audit, jobs });
  const archivePoller = new ArchivePoller(archives, audit);
  // Instances acknowledged before a kill and not yet imported are imported now, node on or off.
  spool.recover();
  const results = new ResultService(
    {
      db,
      models,
      store,
      settings: new ResultSettingsRepository(db, audit),
      audit,
      aeTitle: () => dicomNode.status().aeTitle,
      softwareVersion: APP_VERSION,
      renderImage: (file) => dicom.renderForModel({ path: file }),
    },
    options.results,
  );
  // Scores landing (live scoring, an activation) may change what a study's result states.
  jobs.onEvent((event) => {
    if ((event.name === 'job.progress' || event.name === 'job.finished') && (event.payload.kind === 'scoring' || event.payload.kind === 'activation')) results.reconcile();
  });
  // Sends what a previous run left queued, and resends what it was sending when it stopped.
  results.start();
  // Never throws: a port that cannot be opened shows as the node's status, with the reason.
  if (options.startDicomNode ?? true) {
    void dicomNode.startIfEnabled();
    archivePoller.reschedule();
  }
  return {
    dataDir,
    db,
    studies,
    imports,
    importer,
    store,
    audit,
    jobs,
    models,
    predictions,
    settings,
    dicom,
    training,
    registry,
    scoring,
    pneumonia,
    studySamples,
    uploads,
    dicomNode,
    archives,
    archivePoller,
    results,
    async close() {
      // First: no instance may arrive, or be half-way through its commit, once the database closes.
      await archivePoller.stop();
      await archives.stop();
      await dicomNode.stop();
      await results.stop();
      await spool.stop();
      await training.shutdown();
      await pneumonia.shutdown();
      await scoring.shutdown();
      await jobs.cancelAll();
      await dicom.close();
      db.close();
      releaseLock();
    },
  };
}
