import type { Db } from '../db/database';
import type { ImportCounts, ImportRepository } from '../imports/import-repository';
import type { ImportService } from '../imports/import-service';

export type StoreResult = { kind: 'added'; studyId: number } | { kind: 'already-stored' } | { kind: 'rejected'; reason: string };

export interface ArrivalDeps {
  db: Db;
  imports: ImportRepository;
  importer: ImportService;
}

/**
 * One association's instances, recorded as one import (so they appear in the import history with
 * any rejected instance and its reason). The import row is opened by the first C-STORE, so an
 * echo or a refused association leaves none; a kill leaves it "running", which the next start
 * marks interrupted like any other import.
 */
export class AssociationArrivals {
  private importId: number | null = null;
  readonly counts: ImportCounts = { filesSeen: 0, added: 0, skipped: 0, rejected: 0 };
  readonly studyIds = new Set<number>();
  private readonly studyOfHash;

  constructor(
    private readonly deps: ArrivalDeps,
    /** Where the instances came from, as shown in the import history: dicom://CALLING-AE@address. */
    private readonly source: string,
  ) {
    this.studyOfHash = deps.db.prepare('SELECT study_id FROM images WHERE content_hash = ?').pluck();
  }

  /** Stores one Part 10 file through the import pipeline; resolves once it is on disk and committed (or refused). */
  async store(file: Buffer, sopInstanceUid: string): Promise<StoreResult> {
    this.importId ??= this.deps.imports.begin(this.source);
    this.counts.filesSeen++;
    const { outcome, contentHash } = await this.deps.importer.importDicomInstance(file, `${sopInstanceUid}.dcm`, `${this.source}/${sopInstanceUid}`, this.importId);
    if (outcome.kind === 'rejected') {
      this.counts.rejected++;
      this.deps.imports.reject(this.importId, { path: sopInstanceUid, reason: outcome.reason });
      return { kind: 'rejected', reason: outcome.reason };
    }
    if (outcome.kind === 'skipped') {
      this.counts.skipped++;
      return { kind: 'already-stored' };
    }
    this.counts.added++;
    const studyId = this.studyOfHash.get(contentHash) as number;
    this.studyIds.add(studyId);
    return { kind: 'added', studyId };
  }

  /** A failure outside the pipeline (disk full, database error): listed with the import, never logged with details. */
  recordFailure(sopInstanceUid: string, reason: string): void {
    this.importId ??= this.deps.imports.begin(this.source);
    this.counts.filesSeen++;
    this.counts.rejected++;
    this.deps.imports.reject(this.importId, { path: sopInstanceUid, reason });
  }

  finish(released: boolean): void {
    if (this.importId === null) return;
    this.deps.imports.finish(this.importId, released ? 'completed' : 'interrupted', this.counts);
  }
}
