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

/** WADO-RS requests in flight at once: enough to keep the archive and the import busy, few enough to be polite. */
const WADO_IN_FLIGHT = 3;

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
    // The next study is fetched while the last one is imported: the network and the import pipeline overlap.
    const importing: Promise<void>[] = [];
    for (const study of progress.studies) {
      if (options.signal?.aborted) {
        study.state = 'cancelled';
        continue;
      }
      study.state = 'retrieving';
      report();
      try {
        const { imported } = await this.transferStudy(archive, study, report, options.signal);
        study.state = 'importing';
        report();
        importing.push(
          imported.then(
            () => {
              study.state = 'done';
              report();
            },
            (error: unknown) => {
              study.state = 'failed';
              study.error = `import failed (${error instanceof Error ? error.name : 'error'})`;
              report();
            },
          ),
        );
      } catch (error) {
        study.state = error instanceof Cancelled || options.signal?.aborted ? 'cancelled' : 'failed';
        if (study.state === 'failed') study.error = error instanceof AppError ? error.message : `retrieve failed (${error instanceof Error ? error.name : 'error'})`;
        report();
      }
    }
    await Promise.all(importing);
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

  /**
   * Brings one study over; resolves once it is all received, with `imported`, which resolves once it
   * is imported (counts filled in). A failure or a cancel rejects after what arrived is imported.
   */
  private async transferStudy(archive: RemoteArchive, study: StudyRetrieveProgress, report: () => void, signal?: AbortSignal): Promise<{ imported: Promise<void> }> {
    if (archive.kind === 'dimse' && archive.retrieve === 'c-move') return this.moveStudy(archive, study, report, signal);
    const source = archive.kind === 'dimse' ? `c-get://${archive.aeTitle}@${archive.host}` : `wado-rs://${archive.name}`;
    const arrivals = new AssociationArrivals({ imports: this.deps.imports, spool: this.deps.spool }, source);
    const settle = async (complete: boolean) => {
      await arrivals.finish(complete);
      study.added = arrivals.counts.added;
      study.alreadyStored = arrivals.counts.skipped;
      study.rejected = arrivals.counts.rejected;
    };
    const store = async (file: Buffer, sopInstanceUid: string) => {
      const result = await arrivals.store(file, sopInstanceUid);
      study.received++;
      report();
      return result;
    };
    try {
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
        await this.fetchStudy(new DicomWebClient(archive), study, store, report, signal);
      }
      if (signal?.aborted) throw new Cancelled();
    } catch (error) {
      // What arrived before a failure or a cancel is imported all the same; the import row says interrupted.
      await settle(false);
      throw error;
    }
    return { imported: settle(true) };
  }

  /** WADO-RS, instance by instance (so progress and cancel work between them), a few requests in flight. */
  private async fetchStudy(
    client: DicomWebClient,
    study: StudyRetrieveProgress,
    store: (file: Buffer, sopInstanceUid: string) => Promise<unknown>,
    report: () => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const instances = (await client.instances(study.studyInstanceUid, signal)).filter((instance) => instance.sopInstanceUid.length <= 64);
    if (instances.length === 0) throw new AppError('NOT_FOUND', 'The archive has no instances in this study.');
    study.total = instances.length;
    report();
    const inFlight: Array<{ sopInstanceUid: string; bytes: Promise<Buffer> }> = [];
    let next = 0;
    const request = () => {
      const instance = instances[next++]!;
      const bytes = client.instance(study.studyInstanceUid, instance, signal);
      // Awaited in order below; a failure of one still in flight is not left unhandled when an earlier one throws.
      bytes.catch(() => undefined);
      inFlight.push({ sopInstanceUid: instance.sopInstanceUid, bytes });
    };
    while (inFlight.length < WADO_IN_FLIGHT && next < instances.length) request();
    while (inFlight.length > 0) {
      const { sopInstanceUid, bytes } = inFlight.shift()!;
      const file = await bytes;
      if (next < instances.length && !signal?.aborted) request();
      if (signal?.aborted) throw new Cancelled();
      await store(file, sopInstanceUid);
    }
  }

  /** C-MOVE: the archive sends the study to this node's listener, which must be on and know the archive as a sender. */
  private async moveStudy(archive: Extract<RemoteArchive, { kind: 'dimse' }>, study: StudyRetrieveProgress, report: () => void, signal?: AbortSignal): Promise<{ imported: Promise<void> }> {
    const node = this.deps.node.status();
    if (node.state !== 'listening') {
      throw new AppError('CONFLICT', `C-MOVE needs this DICOM node listening (it is ${node.state}): turn it on in the DICOM node screen, or retrieve from ${archive.name} by C-GET.`);
    }
    const before = Number(this.imagesOfStudy.get(study.studyInstanceUid));
    // Every instance the archive sent was spooled before it was acknowledged: once the spool is empty they are imported.
    const settle = async (counts: SubOperations | null) => {
      await this.deps.spool.empty();
      const sent = counts ? counts.completed + counts.warnings : study.received;
      study.received = sent;
      study.added = Math.max(0, Number(this.imagesOfStudy.get(study.studyInstanceUid)) - before);
      study.alreadyStored = Math.max(0, sent - study.added);
    };
    let counts: SubOperations;
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
    } catch (error) {
      await settle(null);
      throw error;
    }
    if (signal?.aborted) {
      await settle(counts);
      throw new Cancelled();
    }
    return { imported: settle(counts) };
  }

  private callingAeTitle(): string {
    return this.deps.node.status().aeTitle;
  }
}

function total(counts: SubOperations): number | null {
  return counts.remaining === null ? null : counts.completed + counts.failed + counts.warnings + counts.remaining;
}
