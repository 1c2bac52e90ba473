import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/database';
import type { ImportRepository } from '../imports/import-repository';
import type { ImportService } from '../imports/import-service';
import type { StudyRepository } from '../studies/study-repository';

export type SpoolOutcome = { kind: 'added'; studyId: number } | { kind: 'already-stored' } | { kind: 'rejected'; reason: string };

export interface SpoolDeps {
  db: Db;
  imports: ImportRepository;
  importer: ImportService;
  studies: StudyRepository;
}

interface SpoolRow {
  id: number;
  sop_instance_uid: string;
  import_id: number;
  source: string;
  file_name: string;
}

/** Two at a time: one decodes on the decode pool while the other's copy is being written and fsynced. */
const DRAIN_CONCURRENCY = 2;

/**
 * The DICOM node's durable inbox. A received instance is written here and its row committed before
 * the sender gets its answer; the import pipeline (decoding, validation, thumbnail, the fsynced copy in
 * the image store, the study row) runs behind, so a sender is not held up by decoding. Rows left by a
 * kill are imported on the next start; an instance sent again while still here is recorded once.
 *
 * The spool file is renamed into place but not fsynced: once written it survives a kill of the app
 * (the data is in the operating system's cache), and the image store's copy is fsynced moments later.
 * A power cut in between can lose the instance, as it can lose the newest rows of a database in WAL
 * mode with synchronous=NORMAL; the node is not the archive of record (README, "The DICOM node").
 */
export class ArrivalSpool {
  private readonly queue: SpoolRow[] = [];
  private readonly queuedIds = new Set<number>();
  private running = 0;
  private readonly pendingByImport = new Map<number, number>();
  private readonly drainedWaiters = new Map<number, Array<() => void>>();
  private readonly listeners = new Set<(importId: number, outcome: SpoolOutcome) => void>();
  private stopping = false;
  private idleWaiters: Array<() => void> = [];
  private emptyWaiters: Array<() => void> = [];
  private readonly insert;
  private readonly inSpool;
  private readonly studyOfHash;

  constructor(
    private readonly deps: SpoolDeps,
    private readonly dir: string,
  ) {
    mkdirSync(dir, { recursive: true });
    this.insert = deps.db.prepare(
      'INSERT OR IGNORE INTO dicom_spool (sop_instance_uid, import_id, source, file_name, received_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.inSpool = deps.db.prepare('SELECT 1 FROM dicom_spool WHERE sop_instance_uid = ?').pluck();
    this.studyOfHash = deps.db.prepare('SELECT study_id FROM images WHERE content_hash = ?').pluck();
  }

  /** Starts no more imports and resolves once those under way are committed (the app is closing). */
  stop(): Promise<void> {
    this.stopping = true;
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Removes files without a row (killed before the commit) and rows without a file, then queues
   * what is left. Only the data folder's owner calls this, before the node listens.
   */
  recover(): number {
    const rows = this.deps.db.prepare('SELECT id, sop_instance_uid, import_id, source, file_name FROM dicom_spool ORDER BY id').all() as SpoolRow[];
    const named = new Set(rows.map((row) => row.file_name));
    for (const entry of readdirSync(this.dir)) if (!named.has(entry)) rmSync(path.join(this.dir, entry), { force: true });
    const removeRow = this.deps.db.prepare('DELETE FROM dicom_spool WHERE id = ?');
    let queued = 0;
    for (const row of rows) {
      if (!existsSync(path.join(this.dir, row.file_name))) {
        // Cannot happen while rows are committed after their file is renamed; said if it ever does.
        this.deps.db.transaction(() => {
          this.deps.imports.reject(row.import_id, { path: row.sop_instance_uid, reason: 'the received copy was lost before it was imported' });
          this.deps.imports.tally(row.import_id, 'rejected');
          removeRow.run(row.id);
        })();
        continue;
      }
      this.enqueue(row);
      queued++;
    }
    return queued;
  }

  /**
   * Keeps one received Part 10 file: resolves 'spooled' once the file is in place and its row is
   * committed, or 'already-stored' when this SOP instance is already in the archive or the spool.
   */
  async accept(importId: number, source: string, sopInstanceUid: string, file: Buffer): Promise<'spooled' | 'already-stored'> {
    if (this.isKnown(sopInstanceUid)) return 'already-stored';
    const fileName = `${randomUUID()}.dcm`;
    const target = path.join(this.dir, fileName);
    const temporary = `${target}.partial`;
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(file);
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
    // Checked again after the await: another association may have sent the same instance meanwhile.
    const inserted = this.isKnown(sopInstanceUid) ? null : this.insert.run(sopInstanceUid, importId, source, fileName, new Date().toISOString());
    if (!inserted || inserted.changes === 0) {
      await rm(target, { force: true });
      return 'already-stored';
    }
    this.enqueue({ id: Number(inserted.lastInsertRowid), sop_instance_uid: sopInstanceUid, import_id: importId, source, file_name: fileName });
    return 'spooled';
  }

  /** Called with each spooled instance's import outcome. */
  onImported(listener: (importId: number, outcome: SpoolOutcome) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once nothing from this import is waiting in the spool. */
  drained(importId: number): Promise<void> {
    if (!this.pendingByImport.get(importId)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiting = this.drainedWaiters.get(importId) ?? [];
      waiting.push(resolve);
      this.drainedWaiters.set(importId, waiting);
    });
  }

  /** Resolves once every instance in the spool is imported (tests, the benchmark, `cli listen` on exit). */
  empty(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptyWaiters.push(resolve));
  }

  /** Instances acknowledged and not yet imported. */
  get pending(): number {
    return this.queue.length + this.running;
  }

  private isKnown(sopInstanceUid: string): boolean {
    return this.inSpool.get(sopInstanceUid) !== undefined || this.deps.studies.hasImageWithSopUid(sopInstanceUid);
  }

  private enqueue(row: SpoolRow): void {
    if (this.queuedIds.has(row.id)) return;
    this.queuedIds.add(row.id);
    this.queue.push(row);
    this.pendingByImport.set(row.import_id, (this.pendingByImport.get(row.import_id) ?? 0) + 1);
    this.pump();
  }

  private pump(): void {
    if (this.stopping && this.running === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
    while (!this.stopping && this.running < DRAIN_CONCURRENCY && this.queue.length > 0) {
      const row = this.queue.shift()!;
      this.running++;
      void this.importRow(row).finally(() => {
        this.running--;
        this.queuedIds.delete(row.id);
        this.settled(row.import_id);
        this.pump();
      });
    }
  }

  private async importRow(row: SpoolRow): Promise<void> {
    const file = path.join(this.dir, row.file_name);
    let outcome: SpoolOutcome;
    try {
      const bytes = await readFile(file);
      const result = await this.deps.importer.importDicomInstance(bytes, `${row.sop_instance_uid}.dcm`, `${row.source}/${row.sop_instance_uid}`, row.import_id);
      if (result.outcome.kind === 'rejected') outcome = { kind: 'rejected', reason: result.outcome.reason };
      else if (result.outcome.kind === 'skipped') outcome = { kind: 'already-stored' };
      else outcome = { kind: 'added', studyId: this.studyOfHash.get(result.contentHash) as number };
    } catch (error) {
      // Disk full, a database error: the instance stays in the spool and is tried again on the next start.
      console.error(`[cxr-triage] importing a received instance failed with ${error instanceof Error ? error.name : typeof error}`);
      return;
    }
    try {
      this.deps.db.transaction(() => {
        if (outcome.kind === 'rejected') this.deps.imports.reject(row.import_id, { path: row.sop_instance_uid, reason: outcome.reason });
        this.deps.imports.tally(row.import_id, outcome.kind === 'added' ? 'added' : outcome.kind === 'already-stored' ? 'skipped' : 'rejected');
        this.deps.db.prepare('DELETE FROM dicom_spool WHERE id = ?').run(row.id);
      })();
      await rm(file, { force: true });
    } catch {
      // The database is closing under the drain: the row stays and is imported (as already stored) next time.
      return;
    }
    for (const listener of this.listeners) listener(row.import_id, outcome);
  }

  private settled(importId: number): void {
    const left = (this.pendingByImport.get(importId) ?? 1) - 1;
    if (left > 0) {
      this.pendingByImport.set(importId, left);
      return;
    }
    this.pendingByImport.delete(importId);
    for (const resolve of this.drainedWaiters.get(importId) ?? []) resolve();
    this.drainedWaiters.delete(importId);
    if (this.pending === 0) for (const resolve of this.emptyWaiters.splice(0)) resolve();
  }
}
