import type { ImportCounts, ImportRepository } from '../imports/import-repository';
import type { ArrivalSpool, SpoolOutcome } from './arrival-spool';
import { quickDicomCheck } from './quick-dicom-check';

export type StoreResult = { kind: 'spooled' } | { kind: 'already-stored' } | { kind: 'rejected'; reason: string };

export interface ArrivalDeps {
  imports: ImportRepository;
  spool: ArrivalSpool;
}

/**
 * One association's instances, recorded as one import (so they appear in the import history with
 * any rejected instance and its reason). The import row is opened by the first C-STORE, so an
 * echo or a refused association leaves none; a kill leaves it "running", which the next start
 * marks interrupted like any other import. Counts are tallied in the row as each instance is
 * settled: refused or already stored on arrival, or imported from the spool.
 */
export class AssociationArrivals {
  private importId: number | null = null;
  readonly counts: ImportCounts = { filesSeen: 0, added: 0, skipped: 0, rejected: 0 };
  readonly studyIds = new Set<number>();
  private readonly stopListening: () => void;

  constructor(
    private readonly deps: ArrivalDeps,
    /** Where the instances came from, as shown in the import history: dicom://CALLING-AE@address. */
    private readonly source: string,
  ) {
    this.stopListening = deps.spool.onImported((importId, outcome) => {
      if (importId === this.importId) this.count(outcome);
    });
  }

  /**
   * Checks one Part 10 file's structure and keeps it in the spool; resolves once it is on disk and
   * its row committed (the sender may then be told it is stored), or refused with the reason.
   */
  async store(file: Buffer, sopInstanceUid: string): Promise<StoreResult> {
    const importId = (this.importId ??= this.deps.imports.begin(this.source));
    const problem = quickDicomCheck(file);
    if (problem) {
      this.recordFailure(sopInstanceUid, problem);
      return { kind: 'rejected', reason: problem };
    }
    if ((await this.deps.spool.accept(importId, this.source, sopInstanceUid, file)) === 'spooled') return { kind: 'spooled' };
    this.deps.imports.tally(importId, 'skipped');
    this.count({ kind: 'already-stored' });
    return { kind: 'already-stored' };
  }

  /** A failure outside the pipeline (too large, unreadable, disk full): listed with the import, never logged with details. */
  recordFailure(sopInstanceUid: string, reason: string): void {
    const importId = (this.importId ??= this.deps.imports.begin(this.source));
    this.deps.imports.reject(importId, { path: sopInstanceUid, reason });
    this.deps.imports.tally(importId, 'rejected');
    this.count({ kind: 'rejected', reason });
  }

  /** Waits for this association's spooled instances to be imported, then ends its import row. */
  async finish(released: boolean): Promise<void> {
    if (this.importId !== null) {
      await this.deps.spool.drained(this.importId);
      this.deps.imports.finishTallied(this.importId, released ? 'completed' : 'interrupted');
    }
    this.stopListening();
  }

  private count(outcome: SpoolOutcome): void {
    this.counts.filesSeen++;
    if (outcome.kind === 'added') {
      this.counts.added++;
      this.studyIds.add(outcome.studyId);
    } else if (outcome.kind === 'already-stored') this.counts.skipped++;
    else this.counts.rejected++;
  }
}
