import { randomUUID } from 'node:crypto';
import type { ArchiveSettings, RemoteArchive, RetrieveProgress, StudyMatch, StudyQuery, StudyRetrieveProgress } from '@shared/ipc/archive-contract';
import { AppError } from '@shared/ipc/errors';
import type { AuditLog } from '../audit/audit-log';
import type { Db } from '../db/database';
import type { ImportRepository } from '../imports/import-repository';
import { MAX_FILE_BYTES } from '../imports/import-service';
import type { JobRunner } from '../jobs/job-runner';
import type { ArchiveSettingsRepository } from './archive-settings';
import type { ArrivalSpool } from './arrival-spool';
import { AssociationArrivals } from './association-arrivals';
import { Cancelled } from './cancelled';
import type { DicomNode } from './dicom-node';
import { DicomWebClient } from './dicomweb-client';
import { echoPeer } from './echo-scu';
import { findStudies } from './find-scu';
import { getStudy } from './get-scu';
import { moveStudy, type SubOperations } from './move-scu';

export interface ArchiveServiceDeps {
  db: Db;
  imports: ImportRepository;
  spool: ArrivalSpool;
  node: DicomNode;
  settings: ArchiveSettingsRepository;
  audit: AuditLog;
  jobs: JobRunner;
}

export interface RetrieveOptions {
  signal?: AbortSignal;
  onProgress?: (progress: RetrieveProgress) => void;
}

/**
 * Query/retrieve from the configured archives. Whatever the protocol, retrieved instances enter
 * through the node's spool (C-MOVE: the archive sends them to the node's storage SCP; C-GET and
 * WADO-RS: handed to the spool here), so they are checked, imported once (by SOP Instance UID and
 * content hash), announced and scored exactly like any arrival.
 */
export class ArchiveService {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  private readonly studyExists;
  private readonly imagesOfStudy;

  constructor(private readonly deps: ArchiveServiceDeps) {
    this.studyExists = deps.db.prepare('SELECT 1 FROM studies WHERE study_uid = ?').pluck();
    this.imagesOfStudy = deps.db.prepare('SELECT COUNT(*) FROM images i JOIN studies s ON s.id = i.study_id WHERE s.study_uid = ?').pluck();
  }

  settings(): ArchiveSettings {
    return this.deps.settings.get();
  }

  updateSettings(changes: Partial<ArchiveSettings>): ArchiveSettings {
    return this.deps.settings.update(changes);
  }

  archive(name: string): RemoteArchive {
    const archive = this.deps.settings.get().archives.find((candidate) => candidate.name === name);
    if (!archive) throw new AppError('NOT_FOUND', `No archive named "${name}" is configured.`);
    return archive;
  }

  /** The C-ECHO (DIMSE) or a one-study QIDO-RS request (DICOMweb) of the settings screen's Test. */
  async echo(archive: RemoteArchive): Promise<{ roundTripMs: number }> {
    if (archive.kind === 'dimse') return echoPeer(archive, this.callingAeTitle());
    const started = performance.now();
    await new DicomWebClient(archive, 10_000).echo();
    return { roundTripMs: Math.round((performance.now() - started) * 10) / 10 };
  }

  async query(query: StudyQuery, signal?: AbortSignal): Promise<{ studies: StudyMatch[]; truncated: boolean }> {
    const archive = this.archive(query.archive);
    const alreadyHere = (uid: string) => this.studyExists.get(uid) !== undefined;
    const result =
      archive.kind === 'dimse'
        ? await findStudies(archive, query, { callingAeTitle: this.callingAeTitle(), alreadyHere, signal })
        : await new DicomWebClient(archive).findStudies(query, alreadyHere, signal);
    // Which archive and how many: the filters can hold a patient's name or ID, so they are not recorded.
    this.deps.audit.record('archive.query', undefined, { archive: archive.name, matches: result.studies.length, truncated: result.truncated });
    return result;
  }

  /** Starts a retrieve in the background; progress is published as `archive.retrieveProgress` events. */
  startRetrieve(archiveName: string, studyInstanceUids: string[]): string {
    this.archive(archiveName);
    const retrieveId = randomUUID();
    const controller = new AbortController();
    const done = this.retrieve(archiveName, studyInstanceUids, {
      signal: controller.signal,
      onProgress: (progress) => this.deps.jobs.publish({ name: 'archive.retrieveProgress', payload: { ...progress, retrieveId } }),
    })
      .catch(() => undefined)
      .finally(() => this.running.delete(retrieveId));
    this.running.set(retrieveId, { controller, done });
    return retrieveId;
  }

  cancel(retrieveId: string): boolean {
    const run = this.running.get(retrieveId);
    if (!run) return false;
    run.controller.abort();
    return true;
  }

  /** Cancels every retrieve under way and waits for them to settle (the app is closing). */
  async stop(): Promise<void> {
    const runs = [...this.running.values()];
    for (const run of runs) run.controller.abort();
    await Promise.all(runs.map((run) => run.done));
  }

  /**
   * Retrieves the studies one after another and resolves once each is imported (or failed, or
   * cancelled): one study's failure does not stop the others; a cancel stops them all, and what
   * was received before it stays imported.
   */
  async retrieve(archiveName: string, studyInstanceUids: string[], options: RetrieveOptions = {}): Promise<RetrieveProgress> {
    const archive = this.archive(archiveName);
    const progress: RetrieveProgress = {
      retrieveId: '',
      archive: archive.name,
      finished: false,
      studies: [...new Set(studyInstanceUids)].map((studyInstanceUid) => ({ studyInstanceUid, state: 'waiting', received: 0, total: null, added: 0, alreadyStored: 0, rejected: 0, error: null })),
    };
    const report = () => options.onProgress?.(structuredClone(progress));
    report();
    for (const study of progress.studies) {
      if (options.signal?.aborted) {
        study.state = 'cancelled';
        continue;
      }
      study.state = 'retrieving';
      report();
      try {
        await this.retrieveStudy(archive, study, report, options.signal);
        study.state = options.signal?.aborted ? 'cancelled' : 'done';
      } catch (error) {
        study.state = error instanceof Cancelled || options.signal?.aborted ? 'cancelled' : 'failed';
        if (study.state === 'failed') study.error = error instanceof AppError ? error.message : `retrieve failed (${error instanceof Error ? error.name : 'error'})`;
      }
      report();
    }
    progress.finished = true;
    report();
    const count = (state: StudyRetrieveProgress['state']) => progress.studies.filter((study) => study.state === state).length;
    this.deps.audit.record('archive.retrieve', undefined, {
      archive: archive.name,
      method: archive.kind === 'dimse' ? archive.retrieve : 'wado-rs',
      studies: progress.studies.length,
      done: count('done'),
      failed: count('failed'),
      cancelled: count('cancelled'),
      added: progress.studies.reduce((sum, study) => sum + study.added, 0),
      alreadyStored: progress.studies.reduce((sum, study) => sum + study.alreadyStored, 0),
    });
    return progress;
  }

  private async retrieveStudy(archive: RemoteArchive, study: StudyRetrieveProgress, report: () => void, signal?: AbortSignal): Promise<void> {
    if (archive.kind === 'dimse' && archive.retrieve === 'c-move') return this.moveStudy(archive, study, report, signal);
    const source = archive.kind === 'dimse' ? `c-get://${archive.aeTitle}@${archive.host}` : `wado-rs://${archive.name}`;
    const arrivals = new AssociationArrivals({ imports: this.deps.imports, spool: this.deps.spool }, source);
    let complete = false;
    try {
      const store = async (file: Buffer, sopInstanceUid: string) => {
        const result = await arrivals.store(file, sopInstanceUid);
        study.received++;
        report();
        return result;
      };
      if (archive.kind === 'dimse') {
        await getStudy(archive, study.studyInstanceUid, {
          callingAeTitle: this.callingAeTitle(),
          maxInstanceBytes: MAX_FILE_BYTES,
          signal,
          onProgress: (counts) => {
            study.total = total(counts);
            report();
          },
          receive: async (file, sopInstanceUid) => {
            const result = await store(file, sopInstanceUid);
            return result.kind === 'rejected' ? { ok: false, reason: result.reason } : { ok: true };
          },
        });
      } else {
        const client = new DicomWebClient(archive);
        const instances = await client.instances(study.studyInstanceUid, signal);
        if (instances.length === 0) throw new AppError('NOT_FOUND', `${archive.name} has no instances in this study.`);
        study.total = instances.length;
        report();
        for (const instance of instances) {
          if (signal?.aborted) throw new Cancelled();
          if (instance.sopInstanceUid.length > 64) continue;
          await store(await client.instance(study.studyInstanceUid, instance, signal), instance.sopInstanceUid);
        }
      }
      complete = !signal?.aborted;
    } finally {
      study.state = study.state === 'retrieving' ? 'importing' : study.state;
      report();
      // What arrived before a failure or a cancel is imported all the same; the import row says interrupted.
      await arrivals.finish(complete);
      study.added = arrivals.counts.added;
      study.alreadyStored = arrivals.counts.skipped;
      study.rejected = arrivals.counts.rejected;
    }
  }

  /** C-MOVE: the archive sends the study to this node's listener, which must be on and know the archive as a sender. */
  private async moveStudy(archive: Extract<RemoteArchive, { kind: 'dimse' }>, study: StudyRetrieveProgress, report: () => void, signal?: AbortSignal): Promise<void> {
    const node = this.deps.node.status();
    if (node.state !== 'listening') {
      throw new AppError('CONFLICT', `C-MOVE needs this DICOM node listening (it is ${node.state}): turn it on in the DICOM node screen, or retrieve from ${archive.name} by C-GET.`);
    }
    const before = Number(this.imagesOfStudy.get(study.studyInstanceUid));
    let counts: SubOperations | null = null;
    try {
      counts = await moveStudy(archive, study.studyInstanceUid, {
        callingAeTitle: node.aeTitle,
        destinationAeTitle: node.aeTitle,
        signal,
        onProgress: (progress) => {
          study.received = progress.completed + progress.warnings;
          study.total = total(progress);
          report();
        },
      });
    } finally {
      study.state = 'importing';
      report();
      // Every instance the archive sent was spooled before it was acknowledged: once the spool is empty they are imported.
      await this.deps.spool.empty();
      const added = Number(this.imagesOfStudy.get(study.studyInstanceUid)) - before;
      const sent = counts ? counts.completed + counts.warnings : study.received;
      study.received = sent;
      study.added = Math.max(0, added);
      study.alreadyStored = Math.max(0, sent - study.added);
    }
  }

  private callingAeTitle(): string {
    return this.deps.node.status().aeTitle;
  }
}

function total(counts: SubOperations): number | null {
  return counts.remaining === null ? null : counts.completed + counts.failed + counts.warnings + counts.remaining;
}
