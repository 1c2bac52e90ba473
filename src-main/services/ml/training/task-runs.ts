import type { BackendReport, TrainingStatus } from '@shared/ipc/contract';
import type { Db } from '../../db/database';

/** A training_runs row as stored, for every task. */
export interface RawRunRow {
  id: number;
  /** The run's place among its task's runs (1, 2, …): the database id counts both tasks together. */
  number: number;
  status: TrainingStatus;
  config_json: string;
  history_json: string;
  metrics_json: string | null;
  backend_json: string | null;
  model_version_id: number | null;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

const COLUMNS = '*, (SELECT COUNT(*) FROM training_runs AS earlier WHERE earlier.task = training_runs.task AND earlier.id <= training_runs.id) AS number';

/**
 * The reads and updates of training_runs that are the same for every task; the CIFAR-10 and the
 * pneumonia run repositories add what their task keeps (history shape, results, versions).
 */
export class TaskRuns<Row> {
  constructor(
    protected readonly db: Db,
    private readonly task: 'cifar10' | 'pneumonia',
    private readonly fromRaw: (row: RawRunRow) => Row,
  ) {}

  get(id: number): Row | null {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM training_runs WHERE id = ? AND task = ?`).get(id, this.task) as RawRunRow | undefined;
    return row ? this.fromRaw(row) : null;
  }

  list(limit: number): Row[] {
    return (this.db.prepare(`SELECT ${COLUMNS} FROM training_runs WHERE task = ? ORDER BY id DESC LIMIT ?`).all(this.task, limit) as RawRunRow[]).map(
      this.fromRaw,
    );
  }

  setBackend(id: number, backend: BackendReport): void {
    this.db.prepare('UPDATE training_runs SET backend_json = ? WHERE id = ?').run(JSON.stringify(backend), id);
  }
}
