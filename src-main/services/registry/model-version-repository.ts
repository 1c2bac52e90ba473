import { AppError } from '@shared/ipc/errors';
import type { ModelActivation, ModelVersionSummary, ThresholdPreset } from '@shared/ipc/contract';
import { pneumoniaModelMetadataSchema, type PneumoniaModelMetadata } from '@shared/ipc/pneumonia-contract';
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
    validation: metadata.validation ?? null,
    population: metadata.population ?? null,
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

  /**
   * Makes a version the active one. Its own threshold comes with it: the previous version's is
   * never carried over, since a threshold only means something for the model it was chosen for.
   */
  activate(id: number, action = 'model.activated'): ModelVersionSummary {
    const target = this.record(id);
    const previous = this.active(target.task);
    if (previous?.id === id) return previous;
    this.db.transaction(() => {
      this.db.prepare('UPDATE model_versions SET is_active = 0 WHERE task = ? AND is_active = 1').run(target.task);
      this.db.prepare('UPDATE model_versions SET is_active = 1 WHERE id = ?').run(id);
      this.db
        .prepare('INSERT INTO model_activations (task, model_version_id, previous_version_id, actor, at) VALUES (?, ?, ?, ?, ?)')
        .run(target.task, id, previous?.id ?? null, this.audit.actor, new Date().toISOString());
      this.audit.record(action, { type: 'model_version', id }, { previous: previous?.id ?? null, threshold: target.threshold });
    }).immediate();
    return toSummary(this.record(id));
  }

  /** Re-activates the version that was active before the latest switch. */
  rollback(task: ModelTask): ModelVersionSummary {
    return this.activate(this.rollbackTarget(task), 'model.rolled_back');
  }

  /** The version that was active before the latest switch; a clear error when there is none. */
  rollbackTarget(task: ModelTask): number {
    const last = this.db
      .prepare('SELECT model_version_id, previous_version_id FROM model_activations WHERE task = ? ORDER BY id DESC LIMIT 1')
      .get(task) as { model_version_id: number; previous_version_id: number | null } | undefined;
    const current = this.active(task);
    if (!last || last.previous_version_id === null || current?.id !== last.model_version_id) {
      throw new AppError('CONFLICT', 'There is no earlier active version to roll back to.');
    }
    return last.previous_version_id;
  }

  activations(task: ModelTask, limit: number): ModelActivation[] {
    return (
      this.db
        .prepare('SELECT * FROM model_activations WHERE task = ? ORDER BY id DESC LIMIT ?')
        .all(task, limit) as { model_version_id: number; previous_version_id: number | null; actor: string; at: string }[]
    ).map((r) => ({ at: r.at, actor: r.actor, versionId: r.model_version_id, previousVersionId: r.previous_version_id }));
  }

  summary(id: number): ModelVersionSummary {
    return toSummary(this.record(id));
  }

  /** The full metadata of a trained or imported pneumonia version; null for versions without one (fixtures). */
  pneumoniaMetadata(id: number): PneumoniaModelMetadata | null {
    const parsed = pneumoniaModelMetadataSchema.safeParse(JSON.parse(this.record(id).metadata_json));
    return parsed.success ? parsed.data : null;
  }

  /** The version's threshold alone: read per scored image, so it skips parsing the metadata. */
  threshold(id: number): number | null {
    return this.record(id).threshold;
  }

  storagePath(id: number): string {
    return this.record(id).storage_path;
  }

  task(id: number): ModelTask {
    return this.record(id).task;
  }

  setStoragePath(id: number, storagePath: string): void {
    this.db.prepare('UPDATE model_versions SET storage_path = ? WHERE id = ?').run(storagePath, id);
  }

  setThreshold(id: number, threshold: number, preset: ThresholdPreset): ModelVersionSummary {
    const current = this.record(id);
    if (current.task !== 'pneumonia') throw new AppError('BAD_INPUT', 'Only a pneumonia model has a flagging threshold.');
    this.db.transaction(() => {
      this.db.prepare('UPDATE model_versions SET threshold = ? WHERE id = ?').run(threshold, id);
      this.audit.record('threshold.changed', { type: 'model_version', id }, { from: current.threshold, to: threshold, preset });
    }).immediate();
    return toSummary(this.record(id));
  }

  private record(id: number): VersionRecord {
    const r = this.db.prepare('SELECT * FROM model_versions WHERE id = ?').get(id) as VersionRecord | undefined;
    if (!r) throw new AppError('NOT_FOUND', `Model version ${id} does not exist.`);
    return r;
  }
}
