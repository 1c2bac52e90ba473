import type { DicomPeer } from '@shared/ipc/dicom-node-contract';
import type { OutboxEntry, OutboxList } from '@shared/ipc/results-contract';
import type { Db } from '../db/database';

export interface StoredResult {
  id: number;
  revision: number;
  contentKey: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
}

export interface NewResult {
  studyId: number;
  revision: number;
  modelVersionId: number;
  contentKey: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  predecessorId: number | null;
  assessed: boolean;
  document: Buffer;
}

export interface DueEntry {
  id: number;
  peer: DicomPeer;
  document: Buffer;
  attempts: number;
}

interface OutboxRow {
  id: number;
  study_id: number;
  revision: number;
  kind: 'sr' | 'sc';
  ae_title: string;
  host: string;
  port: number;
  state: OutboxEntry['state'];
  attempts: number;
  next_attempt_ms: number;
  dicom_status: number | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

/**
 * Result documents (built once, kept with their bytes) and the outbox of their sends, in SQLite:
 * what is queued survives a restart, and an instance is never rebuilt with new UIDs to be resent.
 */
export class ResultRepository {
  constructor(private readonly db: Db) {}

  latest(studyId: number): StoredResult | null {
    const row = this.db
      .prepare("SELECT id, revision, content_key, series_instance_uid, sop_instance_uid FROM dicom_results WHERE study_id = ? AND kind = 'sr' ORDER BY revision DESC LIMIT 1")
      .get(studyId) as { id: number; revision: number; content_key: string; series_instance_uid: string; sop_instance_uid: string } | undefined;
    return row ? { id: row.id, revision: row.revision, contentKey: row.content_key, seriesInstanceUid: row.series_instance_uid, sopInstanceUid: row.sop_instance_uid } : null;
  }

  /** Stores a new document and queues it for the destinations, in one transaction. */
  add(result: NewResult, destinations: DicomPeer[]): number {
    return this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO dicom_results (study_id, revision, model_version_id, content_key, series_instance_uid, sop_instance_uid, predecessor_id, assessed, document, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(result.studyId, result.revision, result.modelVersionId, result.contentKey, result.seriesInstanceUid, result.sopInstanceUid, result.predecessorId, result.assessed ? 1 : 0, result.document, new Date().toISOString())
          .lastInsertRowid,
      );
      this.enqueue(id, destinations);
      return id;
    }).immediate();
  }

  /** Stores a secondary capture beside a report and queues it where the report was queued, in one transaction. */
  addCapture(report: { id: number }, capture: { imageId: number; seriesInstanceUid: string; sopInstanceUid: string; document: Buffer }): void {
    this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO dicom_results (study_id, revision, model_version_id, content_key, series_instance_uid, sop_instance_uid, predecessor_id, assessed, kind, image_id, document, created_at)
             SELECT study_id, revision, model_version_id, content_key, ?, ?, NULL, 1, 'sc', ?, ?, ? FROM dicom_results WHERE id = ?`,
          )
          .run(capture.seriesInstanceUid, capture.sopInstanceUid, capture.imageId, capture.document, new Date().toISOString(), report.id).lastInsertRowid,
      );
      this.enqueue(id, this.destinationsOf(report.id));
    }).immediate();
  }

  /**
   * Scored images of each study's latest report (one that states a score) with a heatmap from the
   * report's version and no secondary capture yet: what the capture pass builds.
   */
  capturesToBuild(): { reportId: number; studyId: number; revision: number; imageId: number; storedPath: string; heatmap: Buffer; probability: number; verdict: string; reason: string | null; modelVersionId: number }[] {
    return this.db
      .prepare(
        `SELECT r.id AS reportId, r.study_id AS studyId, r.revision, i.id AS imageId, i.stored_path AS storedPath, p.heatmap, p.probability, p.verdict, p.verdict_reason AS reason, r.model_version_id AS modelVersionId
         FROM dicom_results r
         JOIN images i ON i.study_id = r.study_id
         JOIN predictions p ON p.image_id = i.id AND p.model_version_id = r.model_version_id
         WHERE r.kind = 'sr' AND r.assessed = 1 AND p.verdict != 'not_applicable' AND p.heatmap IS NOT NULL
           AND r.revision = (SELECT MAX(revision) FROM dicom_results l WHERE l.study_id = r.study_id AND l.kind = 'sr')
           AND NOT EXISTS (SELECT 1 FROM dicom_results c WHERE c.study_id = r.study_id AND c.revision = r.revision AND c.kind = 'sc' AND c.image_id = i.id)
         ORDER BY r.id, i.id`,
      )
      .all() as ReturnType<ResultRepository['capturesToBuild']>;
  }

  private destinationsOf(resultId: number): DicomPeer[] {
    return (this.db.prepare('SELECT ae_title, host, port FROM dicom_outbox WHERE result_id = ?').all(resultId) as { ae_title: string; host: string; port: number }[]).map((r) => ({
      aeTitle: r.ae_title,
      host: r.host,
      port: r.port,
    }));
  }

  /**
   * Queues a document for destinations: a new row per destination not yet queued; a failed row is
   * made pending again. A row already sent, pending or sending is left as it is. Answers the rows touched.
   */
  enqueue(resultId: number, destinations: DicomPeer[]): number {
    const now = Date.now();
    const insert = this.db.prepare(
      `INSERT INTO dicom_outbox (result_id, ae_title, host, port, state, next_attempt_ms, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)
       ON CONFLICT (result_id, ae_title, host, port) DO UPDATE SET state = 'pending', next_attempt_ms = excluded.next_attempt_ms WHERE state = 'failed'`,
    );
    let touched = 0;
    for (const peer of destinations) touched += insert.run(resultId, peer.aeTitle, peer.host, peer.port, now, new Date(now).toISOString()).changes;
    return touched;
  }

  /** Pending entries whose time has come, oldest first. */
  due(now: number, limit: number): DueEntry[] {
    const rows = this.db
      .prepare(
        `SELECT o.id, o.ae_title, o.host, o.port, o.attempts, r.document FROM dicom_outbox o JOIN dicom_results r ON r.id = o.result_id
         WHERE o.state = 'pending' AND o.next_attempt_ms <= ? ORDER BY o.id LIMIT ?`,
      )
      .all(now, limit) as { id: number; ae_title: string; host: string; port: number; attempts: number; document: Buffer }[];
    return rows.map((r) => ({ id: r.id, peer: { aeTitle: r.ae_title, host: r.host, port: r.port }, document: r.document, attempts: r.attempts }));
  }

  /** When the next pending entry is due (ms since the epoch); null when none is pending. */
  nextDueMs(): number | null {
    return (this.db.prepare("SELECT MIN(next_attempt_ms) FROM dicom_outbox WHERE state = 'pending'").pluck().get() as number | null) ?? null;
  }

  /** Committed before the first byte is sent: a crash from here on leaves the row 'sending', never 'pending'. */
  markSending(ids: number[]): void {
    const update = this.db.prepare("UPDATE dicom_outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ? AND state = 'pending'");
    this.db.transaction(() => ids.forEach((id) => update.run(id))).immediate();
  }

  markSent(id: number, status: number): void {
    this.db.prepare("UPDATE dicom_outbox SET state = 'sent', dicom_status = ?, last_error = NULL, sent_at = ? WHERE id = ?").run(status, new Date().toISOString(), id);
  }

  /** The destination refused the instance (a DICOM failure status) or the association for good: retried only on request. */
  markFailed(id: number, status: number | null, error: string): void {
    this.db.prepare("UPDATE dicom_outbox SET state = 'failed', dicom_status = ?, last_error = ? WHERE id = ?").run(status, error, id);
  }

  /** A transient failure: tried again at `nextMs`. */
  markRetry(id: number, status: number | null, error: string, nextMs: number): void {
    this.db.prepare("UPDATE dicom_outbox SET state = 'pending', dicom_status = ?, last_error = ?, next_attempt_ms = ? WHERE id = ?").run(status, error, nextMs, id);
  }

  /**
   * After a crash, rows left 'sending' may or may not have reached the destination: they are sent
   * again, the same bytes with the same SOP Instance UID, which an archive stores once.
   */
  recoverSending(): number {
    return this.db.transaction(() => {
      const now = Date.now();
      const recovered = this.db.prepare("UPDATE dicom_outbox SET state = 'pending', next_attempt_ms = ? WHERE state = 'sending'").run(now).changes;
      // A start is a fresh try for everything waiting: the back-off measured an outage that may be over.
      this.db.prepare("UPDATE dicom_outbox SET next_attempt_ms = ? WHERE state = 'pending' AND next_attempt_ms > ?").run(now, now);
      return recovered;
    }).immediate();
  }

  /** Pending or failed entries (one, or all) to be tried now. */
  retryNow(id?: number): number {
    const sql = "UPDATE dicom_outbox SET state = 'pending', next_attempt_ms = ? WHERE state IN ('pending','failed')";
    return id === undefined ? this.db.prepare(sql).run(Date.now()).changes : this.db.prepare(`${sql} AND id = ?`).run(Date.now(), id).changes;
  }

  list(limit: number): OutboxList {
    const rows = this.db
      .prepare(
        `SELECT o.*, r.study_id, r.revision, r.kind FROM dicom_outbox o JOIN dicom_results r ON r.id = o.result_id ORDER BY o.id DESC LIMIT ?`,
      )
      .all(limit) as OutboxRow[];
    const counts = { pending: 0, sending: 0, sent: 0, failed: 0 };
    for (const row of this.db.prepare('SELECT state, COUNT(*) AS n FROM dicom_outbox GROUP BY state').all() as { state: OutboxEntry['state']; n: number }[]) counts[row.state] = row.n;
    return {
      counts,
      entries: rows.map((r) => ({
        id: r.id,
        studyId: r.study_id,
        revision: r.revision,
        document: r.kind,
        destination: `${r.ae_title}@${r.host}:${r.port}`,
        state: r.state,
        attempts: r.attempts,
        nextAttemptAt: r.state === 'pending' ? new Date(r.next_attempt_ms).toISOString() : null,
        dicomStatus: r.dicom_status === null ? null : r.dicom_status.toString(16).padStart(4, '0'),
        lastError: r.last_error,
        createdAt: r.created_at,
        sentAt: r.sent_at,
      })),
    };
  }
}
