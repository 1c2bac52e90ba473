import type { Db } from '../db/database';
import type { ImportStatus } from '@shared/domain/study';
import type { ImportReport, ImportSummary, RejectedFile } from '@shared/ipc/contract';

export interface ImportCounts {
  filesSeen: number;
  added: number;
  skipped: number;
  rejected: number;
}

interface ImportRecord {
  id: number;
  root_path: string;
  status: ImportStatus;
  started_at: string;
  finished_at: string | null;
  files_seen: number;
  added: number;
  skipped: number;
  rejected: number;
}

function toSummary(r: ImportRecord): ImportSummary {
  return {
    id: r.id,
    rootPath: r.root_path,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    filesSeen: r.files_seen,
    added: r.added,
    skipped: r.skipped,
    rejected: r.rejected,
  };
}

/** Import runs and the files each one rejected, kept so the report outlives the job. */
export class ImportRepository {
  constructor(private readonly db: Db) {}

  begin(rootPath: string): number {
    return Number(
      this.db
        .prepare("INSERT INTO imports (root_path, status, started_at) VALUES (?, 'running', ?)")
        .run(rootPath, new Date().toISOString()).lastInsertRowid,
    );
  }

  reject(importId: number, file: RejectedFile): void {
    this.db
      .prepare('INSERT INTO import_rejections (import_id, relative_path, reason) VALUES (?, ?, ?)')
      .run(importId, file.path, file.reason);
  }

  finish(importId: number, status: Exclude<ImportStatus, 'running'>, counts: ImportCounts): void {
    this.db
      .prepare(
        `UPDATE imports SET status = ?, finished_at = ?, files_seen = ?, added = ?, skipped = ?, rejected = ?
         WHERE id = ?`,
      )
      .run(status, new Date().toISOString(), counts.filesSeen, counts.added, counts.skipped, counts.rejected, importId);
  }

  /** One more file seen by a run that counts as it goes (the DICOM node's associations). */
  tally(importId: number, outcome: 'added' | 'skipped' | 'rejected'): void {
    this.db
      .prepare(
        `UPDATE imports SET files_seen = files_seen + 1, added = added + ?, skipped = skipped + ?, rejected = rejected + ?
         WHERE id = ?`,
      )
      .run(Number(outcome === 'added'), Number(outcome === 'skipped'), Number(outcome === 'rejected'), importId);
  }

  /** Ends a run whose counts were tallied as it went. */
  finishTallied(importId: number, status: Exclude<ImportStatus, 'running'>): void {
    this.db.prepare('UPDATE imports SET status = ?, finished_at = ? WHERE id = ?').run(status, new Date().toISOString(), importId);
  }

  /** A run still marked running when the database opens was cut off by a crash or a kill. */
  markInterrupted(): number {
    return this.db
      .prepare(
        // A folder import counts in memory, so its figures are recounted; the DICOM node's tallied as it went.
        `UPDATE imports SET status = 'interrupted', finished_at = ?,
           added = CASE WHEN root_path LIKE 'dicom://%' THEN added ELSE (SELECT COUNT(*) FROM studies WHERE import_id = imports.id) END,
           rejected = CASE WHEN root_path LIKE 'dicom://%' THEN rejected ELSE (SELECT COUNT(*) FROM import_rejections WHERE import_id = imports.id) END
         WHERE status = 'running'`,
      )
      .run(new Date().toISOString()).changes;
  }

  list(limit: number): ImportSummary[] {
    return (
      this.db.prepare('SELECT * FROM imports ORDER BY id DESC LIMIT ?').all(limit) as ImportRecord[]
    ).map(toSummary);
  }

  report(importId: number): ImportReport | null {
    const r = this.db.prepare('SELECT * FROM imports WHERE id = ?').get(importId) as ImportRecord | undefined;
    if (!r) return null;
    const rejectedFiles = this.db
      .prepare('SELECT relative_path AS path, reason FROM import_rejections WHERE import_id = ? ORDER BY id')
      .all(importId) as RejectedFile[];
    return { ...toSummary(r), rejectedFiles };
  }
}
