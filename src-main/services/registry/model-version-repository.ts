import { AppError } from '@shared/ipc/errors';
import type { ModelVersionSummary, ThresholdPreset } from '@shared/ipc/contract';
import type { AuditLog } from '../audit/audit-log';
import type { Db } from '../db/database';
import { parseModelMetadata, type ModelMetadata } from './model-metadata';

export type ModelTask = 'pneumonia' | 'cifar10';

interface VersionRecord {
  id: number;
  task: ModelTask;
  name: string;
  architecture: string;
  storage_path: string;
  metadata_json: string;
  threshold: number | null;
  is_active: number;
  created_at: string;
}

function toSummary(r: VersionRecord): ModelVersionSummary {
  const metadata = parseModelMetadata(r.metadata_json);
  return {
    id: r.id,
    name: r.name,
    architecture: r.architecture,
    createdAt: r.created_at,
    isActive: r.is_active === 1,
    threshold: r.threshold,
    evaluatedOn: metadata.evaluation?.evaluatedOn ?? null,
    auc: metadata.evaluation?.auc ?? null,
    rocPoints: metadata.evaluation?.rocPoints ?? [],
    intendedUse: metadata.intendedUse ?? null,
  };
}

/** Model versions: one active per task; every activation and threshold change is audited. */
export class ModelVersionRepository {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
  ) {}

  register(version: {
    task: ModelTask;
    name: string;
    architecture: string;
    storagePath: string;
    metadata: ModelMetadata;
    threshold: number | null;
  }): number {
    const id = Number(
      this.db
        .prepare(
          `INSERT INTO model_versions (task, name, architecture, storage_path, metadata_json, threshold, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(version.task, version.name, version.architecture, version.storagePath, JSON.stringify(version.metadata), version.threshold, new Date().toISOString())
        .lastInsertRowid,
    );
    this.audit.record('model.registered', { type: 'model_version', id }, { task: version.task, name: version.name });
    return id;
  }

  list(task: ModelTask): ModelVersionSummary[] {
    return (
      this.db.prepare('SELECT * FROM model_versions WHERE task = ? ORDER BY id DESC').all(task) as VersionRecord[]
    ).map(toSummary);
  }

  active(task: ModelTask): ModelVersionSummary | null {
    const r = this.db.prepare('SELECT * FROM model_versions WHERE task = ? AND is_active = 1').get(task) as VersionRecord | undefined;
    return r ? toSummary(r) : null;
  }

  activate(id: number): ModelVersionSummary {
    const target = this.record(id);
    const previous = this.active(target.task);
    this.db.transaction(() => {
      this.db.prepare('UPDATE model_versions SET is_active = 0 WHERE task = ? AND is_active = 1').run(target.task);
      this.db.prepare('UPDATE model_versions SET is_active = 1 WHERE id = ?').run(id);
      this.audit.record('model.activated', { type: 'model_version', id }, { previous: previous?.id ?? null });
    })();
    return toSummary(this.record(id));
  }

  setThreshold(id: number, threshold: number, preset: ThresholdPreset): ModelVersionSummary {
    const current = this.record(id);
    if (current.task !== 'pneumonia') throw new AppError('BAD_INPUT', 'Only a pneumonia model has a flagging threshold.');
    this.db.transaction(() => {
      this.db.prepare('UPDATE model_versions SET threshold = ? WHERE id = ?').run(threshold, id);
      this.audit.record('threshold.changed', { type: 'model_version', id }, { from: current.threshold, to: threshold, preset });
    })();
    return toSummary(this.record(id));
  }

  private record(id: number): VersionRecord {
    const r = this.db.prepare('SELECT * FROM model_versions WHERE id = ?').get(id) as VersionRecord | undefined;
    if (!r) throw new AppError('NOT_FOUND', `Model version ${id} does not exist.`);
    return r;
  }
}
