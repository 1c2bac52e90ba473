import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { ModelVersionDetail, ModelVersionSummary } from '@shared/ipc/contract';
import { pneumoniaModelMetadataSchema, type PneumoniaModelMetadata } from '@shared/ipc/pneumonia-contract';
import { AppError } from '@shared/ipc/errors';
import type { AuditLog } from '../audit/audit-log';
import type { Db } from '../db/database';
import { MODEL_PACKAGE_EXTENSION, packModel, readModelPackageFile, unpackModel } from './model-package';
import type { ModelVersionRepository } from './model-version-repository';
import { selfTestInWorker } from '../ml/runtime/self-test-in-worker';

/**
 * Pneumonia model versions with their files: registering a trained model folder, exporting a
 * version as one file, importing one. The repository keeps the rows; this keeps rows and files in step.
 */
export class ModelRegistry {
  readonly root: string;

  constructor(
    private readonly deps: { db: Db; models: ModelVersionRepository; audit: AuditLog; dataDir: string },
  ) {
    this.root = path.join(deps.dataDir, 'models', 'pneumonia');
  }

  /** Staging folders a kill left behind (a training or an import cut off midway): never registered, so nothing refers to them. */
  removeStaleStaging(): void {
    if (!existsSync(this.root)) return;
    for (const entry of readdirSync(this.root)) {
      if (entry.startsWith('staging-')) rmSync(path.join(this.root, entry), { recursive: true, force: true });
    }
  }

  /** A fresh folder for a model being trained or imported; it becomes a version through `register`. */
  stagingDir(): string {
    mkdirSync(this.root, { recursive: true });
    return path.join(this.root, `staging-${randomUUID()}`);
  }

  /** Registers a complete model folder (never active) and moves it to the version's own folder. */
  register(folder: string, name: string, action: 'model.trained' | 'model.imported'): ModelVersionSummary {
    const metadata = pneumoniaModelMetadataSchema.parse(JSON.parse(readFileSync(path.join(folder, 'metadata.json'), 'utf8')));
    const { models, db, audit } = this.deps;
    return db.transaction(() => {
      const id = models.register({
        task: 'pneumonia',
        name,
        architecture: metadata.architecture,
        storagePath: folder,
        metadata,
        threshold: metadata.threshold,
      });
      const home = path.join(this.root, `version-${id}`);
      rmSync(home, { recursive: true, force: true });
      renameSync(folder, home);
      models.setStoragePath(id, home);
      audit.record(action, { type: 'model_version', id }, { auc: metadata.evaluation.auc, threshold: metadata.threshold });
      return models.summary(id);
    }).immediate();
  }

  detail(id: number): ModelVersionDetail {
    const { models, db } = this.deps;
    if (models.task(id) !== 'pneumonia') throw new AppError('NOT_FOUND', `Model version ${id} is not a pneumonia model.`);
    const scoredImages = db.prepare('SELECT COUNT(*) FROM predictions WHERE model_version_id = ?').pluck().get(id) as number;
    return { ...models.summary(id), metadata: models.pneumoniaMetadata(id), scoredImages };
  }

  /** The folder of a version that has real model files; a clear error for fixtures and missing folders. */
  modelDir(id: number): { dir: string; metadata: PneumoniaModelMetadata } {
    const metadata = this.deps.models.pneumoniaMetadata(id);
    const dir = this.deps.models.storagePath(id);
    if (!metadata || !existsSync(path.join(dir, 'metadata.json'))) {
      throw new AppError('CONFLICT', `Model version ${id} has no model files in this data folder.`);
    }
    return { dir, metadata };
  }

  async exportVersion(id: number, appVersion: string): Promise<{ fileName: string; bytes: Buffer }> {
    const { dir } = this.modelDir(id);
    const summary = this.deps.models.summary(id);
    const bytes = await packModel(dir, { name: summary.name, exportedAt: new Date().toISOString(), appVersion });
    this.deps.audit.record('model.exported', { type: 'model_version', id });
    const safeName = summary.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || `model-${id}`;
    return { fileName: `${safeName}${MODEL_PACKAGE_EXTENSION}`, bytes };
  }

  /** Imports a model file already on disk (a finished chunked upload). */
  async importFromDisk(file: string, fileName: string): Promise<ModelVersionSummary> {
    return this.importFile(fileName, await readModelPackageFile(file));
  }

  async importFile(fileName: string, bytes: Uint8Array): Promise<ModelVersionSummary> {
    const staging = this.stagingDir();
    try {
      const { name } = await unpackModel(bytes, staging);
      // The files are consistent; now the model itself must build and score before it is registered.
      const problem = await selfTestInWorker(staging);
      if (problem) throw new AppError('BAD_INPUT', `This is not a usable CXR Triage model file: ${problem}`);
      const fallback = path.basename(fileName, path.extname(fileName)).slice(0, 100) || 'Imported model';
      return this.register(staging, `${name ?? fallback} (imported)`, 'model.imported');
    } finally {
      rmSync(staging, { recursive: true, force: true });
      rmSync(`${staging}.tmp`, { recursive: true, force: true });
    }
  }
}
