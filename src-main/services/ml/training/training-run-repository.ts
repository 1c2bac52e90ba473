import type { BackendReport, EpochRecord, TrainingConfig, TrainingMetrics, TrainingStatus } from '@shared/ipc/contract';
import type { Db } from '../../db/database';
import { TaskRuns, type RawRunRow } from './task-runs';

export interface TrainingRunRow {
  id: number;
  number: number;
  status: TrainingStatus;
  config: TrainingConfig;
  history: EpochRecord[];
  metrics: TrainingMetrics | null;
  backend: BackendReport | null;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  modelVersionId: number | null;
}

function fromRaw(row: RawRunRow): TrainingRunRow {
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    config: JSON.parse(row.config_json) as TrainingConfig,
    history: JSON.parse(row.history_json) as EpochRecord[],
    metrics: row.metrics_json ? (JSON.parse(row.metrics_json) as TrainingMetrics) : null,
    backend: row.backend_json ? (JSON.parse(row.backend_json) as BackendReport) : null,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error,
    modelVersionId: row.model_version_id,
  };
}

/** CIFAR-10 training runs and their per-epoch history; each epoch is committed as it ends. */
export class TrainingRunRepository extends TaskRuns<TrainingRunRow> {
  constructor(db: Db) {
    super(db, 'cifar10', fromRaw);
  }

  create(config: TrainingConfig): number {
    return Number(
      this.db
        .prepare(`INSERT INTO training_runs (task, status, config_json, started_at) VALUES ('cifar10', 'running', ?, ?)`)
        .run(JSON.stringify(config), new Date().toISOString()).lastInsertRowid,
    );
  }

  setStatus(id: number, status: TrainingStatus): void {
    this.db.prepare('UPDATE training_runs SET status = ?, finished_at = NULL, error = NULL WHERE id = ?').run(status, id);
  }

  setHistory(id: number, history: EpochRecord[]): void {
    this.db.prepare('UPDATE training_runs SET history_json = ? WHERE id = ?').run(JSON.stringify(history), id);
  }

  appendEpoch(id: number, record: EpochRecord): void {
    const run = this.get(id);
    if (!run) return;
    const history = [...run.history.filter((e) => e.epoch < record.epoch), record];
    this.setHistory(id, history);
  }

  finish(id: number, status: TrainingStatus, fields: { metrics?: TrainingMetrics | null; error?: string | null; modelVersionId?: number | null }): void {
    this.db
      .prepare(
        `UPDATE training_runs SET status = ?, finished_at = ?, metrics_json = COALESCE(?, metrics_json), error = ?,
           model_version_id = COALESCE(?, model_version_id) WHERE id = ?`,
      )
      .run(
        status,
        new Date().toISOString(),
        fields.metrics ? JSON.stringify(fields.metrics) : null,
        fields.error ?? null,
        fields.modelVersionId ?? null,
        id,
      );
  }

  /** Runs the app was killed in the middle of (or left paused when it closed). */
  markInterrupted(): number {
    return this.db
      .prepare(`UPDATE training_runs SET status = 'interrupted' WHERE task = 'cifar10' AND status IN ('running', 'paused')`)
      .run().changes;
  }

  addModelVersion(runId: number, storagePath: string, metadata: object): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO model_versions (task, name, architecture, storage_path, metadata_json, created_at)
           VALUES ('cifar10', ?, 'textbook CIFAR-10 CNN', ?, ?, ?)`,
        )
        .run(`CIFAR-10 run ${runId}`, storagePath, JSON.stringify(metadata), new Date().toISOString()).lastInsertRowid,
    );
  }
}
