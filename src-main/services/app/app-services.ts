import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { AuditLog } from '../audit/audit-log';
import { openDatabase, type Db } from '../db/database';
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
  close(): Promise<void>;
}

export function openAppServices(dataDir: string): AppServices {
  mkdirSync(dataDir, { recursive: true });
  const db = openDatabase(path.join(dataDir, DATABASE_FILE));
  const studies = new StudyRepository(db);
  const imports = new ImportRepository(db);
  const store = new ImageStore(path.join(dataDir, 'images'));
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
    async close() {
      await training.shutdown();
      await jobs.cancelAll();
      await dicom.close();
      db.close();
    },
  };
}
