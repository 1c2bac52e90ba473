import type { BackendReport, TrainingStatus, VersionComparison } from '@shared/ipc/contract';
import type { DatasetSummary, PneumoniaEpochRecord, PneumoniaTrainingConfig } from '@shared/ipc/pneumonia-contract';
import type { Db } from '../../db/database';
import { TaskRuns, type RawRunRow } from '../training/task-runs';

export interface PneumoniaRunRow {
  id: number;
  number: number;
  status: TrainingStatus;
  config: PneumoniaTrainingConfig;
  history: PneumoniaEpochRecord[];
  dataset: DatasetSummary | null;
  comparison: VersionComparison | null;
  backend: BackendReport | null;
  versionId: number | null;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

/** What a pneumonia run keeps in the training_runs table's metrics column. */
interface RunResults {
  dataset: DatasetSummary | null;
  comparison: VersionComparison | null;
}

function fromRaw(row: RawRunRow): PneumoniaRunRow {
  const results: RunResults = row.metrics_json ? (JSON.parse(row.metrics_json) as RunResults) : { dataset: null, comparison: null };
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    config: JSON.parse(row.config_json) as PneumoniaTrainingConfig,
    history: JSON.parse(row.history_json) as PneumoniaEpochRecord[],
    dataset: results.dataset,
    comparison: results.comparison,
    backend: row.backend_json ? (JSON.parse(row.backend_json) as BackendReport) : null,
    versionId: row.model_version_id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error,
  };
}

/** Pneumonia training runs (rows of training_runs with task 'pneumonia'); each epoch is committed as it ends. */
const INTERRUPTED_REASON =
  'The application closed while this run was training. A pneumonia run keeps no checkpoint between epochs (its weights live in the compute worker until the version is registered), so it cannot be resumed: start it again with the same settings.';

export class PneumoniaRunRepository extends TaskRuns<PneumoniaRunRow> {
  constructor(db: Db) {
    super(db, 'pneumonia', fromRaw);
  }

  create(config: PneumoniaTrainingConfig, dataset: DatasetSummary): number {
    const results: RunResults = { dataset, comparison: null };
    return Number(
      this.db
        .prepare(`INSERT INTO training_runs (task, status, config_json, metrics_json, started_at) VALUES ('pneumonia', 'running', ?, ?, ?)`)
        .run(JSON.stringify(config), JSON.stringify(results), new Date().toISOString()).lastInsertRowid,
    );
  }

  setStatus(id: number, status: TrainingStatus): void {
    this.db.prepare('UPDATE training_runs SET status = ? WHERE id = ?').run(status, id);
  }

  appendEpoch(id: number, record: PneumoniaEpochRecord): void {
    this.db.transaction(() => {
      const run = this.get(id);
      if (!run) return;
      this.db.prepare('UPDATE training_runs SET history_json = ? WHERE id = ?').run(JSON.stringify([...run.history, record]), id);
    }).immediate();
  }

  /** The version a run registered, recorded before the comparison so a failure there cannot orphan it. */
  setVersion(id: number, versionId: number): void {
    this.db.prepare('UPDATE training_runs SET model_version_id = ? WHERE id = ?').run(versionId, id);
  }

  setComparison(id: number, comparison: VersionComparison): void {
    const run = this.get(id);
    if (!run) return;
    const results: RunResults = { dataset: run.dataset, comparison };
    this.db.prepare('UPDATE training_runs SET metrics_json = ? WHERE id = ?').run(JSON.stringify(results), id);
  }

  finish(id: number, status: TrainingStatus, fields: { error?: string | null; versionId?: number | null }): void {
    this.db
      .prepare(`UPDATE training_runs SET status = ?, finished_at = ?, error = ?, model_version_id = COALESCE(?, model_version_id) WHERE id = ?`)
      .run(status, new Date().toISOString(), fields.error ?? null, fields.versionId ?? null, id);
  }

  /** Runs the app was killed in the middle of, or closed while paused. */
  /**
   * Runs whose process is gone. They say why they cannot be resumed: a pneumonia run keeps its
   * weights (and the best epoch's) only in the compute worker until it registers a version.
   */
  markInterrupted(): number {
    return this.db
      .prepare(`UPDATE training_runs SET status = 'interrupted', finished_at = ?, error = ? WHERE task = 'pneumonia' AND status IN ('running', 'paused')`)
      .run(new Date().toISOString(), INTERRUPTED_REASON).changes;
  }
}
