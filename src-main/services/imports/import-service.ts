import { stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '@shared/ipc/errors';
import type { RejectedFile } from '@shared/ipc/contract';
import type { AuditLog } from '../audit/audit-log';
import { sniffFormat } from '../imaging/file-format';
import type { ImageStore } from '../imaging/image-store';
import { readRasterImage } from '../imaging/raster-image';
import { isTruncated } from '../imaging/truncation';
import type { DicomDecodePool } from '../imaging/dicom/decode-pool';
import { dicomThumbnail } from '../imaging/dicom/dicom-thumbnail';
import type { DicomSummary } from '../imaging/dicom/dicom-image';
import type { JobContext, JobOutcome, JobRunner } from '../jobs/job-runner';
import type { StudyRepository } from '../studies/study-repository';
import { contentHash as hashOf } from './content-hash';
import { fsReason, walkFolder } from './folder-walk';
import { KeyedLock } from './keyed-lock';
import { readImageFile } from './read-image-file';
import type { ImportCounts, ImportRepository } from './import-repository';
import { layoutPath, readPathFacts } from './kaggle-layout';

/** Larger files are refused: reading stops here, whatever their reported size. */
export const MAX_FILE_BYTES = 512 * 1024 * 1024;
/** Files in flight at once: enough to overlap disk reads with decoding in libuv's pool. */
const CONCURRENCY = 3;
const PROGRESS_INTERVAL_MS = 100;

export type FileOutcome = { kind: 'added' } | { kind: 'skipped' } | { kind: 'rejected'; reason: string };

export interface ImportServiceDeps {
  studies: StudyRepository;
  imports: ImportRepository;
  store: ImageStore;
  audit: AuditLog;
  jobs: JobRunner;
  dicom: DicomDecodePool;
}

/**
 * Imports a folder of chest X-rays. Each file is committed on its own (one transaction per study),
 * so a kill at any moment keeps everything committed before it and leaves no half-written row;
 * a file already imported is recognised by its content hash; a bad file is listed and skipped.
 */
export class ImportService {
  /** Duplicates are decided and stored under this, so none is stored only to be refused. */
  private readonly sameImage = new KeyedLock();

  constructor(private readonly deps: ImportServiceDeps) {}

  async start(rootPath: string): Promise<string> {
    const root = path.resolve(rootPath);
    let isDirectory = false;
    try {
      isDirectory = (await stat(root)).isDirectory();
    } catch (error) {
      throw new AppError('BAD_INPUT', `Cannot import from ${root}: ${fsReason(error)}.`);
    }
    if (!isDirectory) throw new AppError('BAD_INPUT', `Cannot import from ${root}: it is not a folder.`);
    return this.deps.jobs.start('import', (context) => this.run(root, context));
  }

  private async run(root: string, context: JobContext): Promise<JobOutcome> {
    const { imports, audit } = this.deps;
    const importId = imports.begin(root);
    audit.record('import.started', { type: 'import', id: importId });
    const counts: ImportCounts = { filesSeen: 0, added: 0, skipped: 0, rejected: 0 };
    const reject = (file: RejectedFile) => {
      counts.rejected += 1;
      imports.reject(importId, file);
    };

    try {
      context.progress({ phase: 'scanning', done: 0, total: null, message: 'Looking for images…' });
      const walk = await walkFolder(root, context.signal);
      walk.unreadable.forEach(reject);
      walk.special.forEach(reject);
      const total = walk.files.length + walk.special.length;
      counts.filesSeen = total;

      let lastProgress = 0;
      const report = (force = false) => {
        const now = Date.now();
        if (!force && now - lastProgress < PROGRESS_INTERVAL_MS) return;
        lastProgress = now;
        const done = counts.added + counts.skipped + counts.rejected - walk.unreadable.length;
        context.progress({
          phase: 'importing',
          done,
          total,
          message: `${counts.added} added, ${counts.skipped} already present, ${counts.rejected} rejected`,
        });
      };
      report(true);

      let next = 0;
      const worker = async () => {
        while (next < walk.files.length && !context.signal.aborted) {
          const relative = walk.files[next++]!;
          const outcome = await this.importFile(root, relative, importId);
          if (outcome.kind === 'added') counts.added += 1;
          else if (outcome.kind === 'skipped') counts.skipped += 1;
          else reject({ path: relative, reason: outcome.reason });
          report();
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      report(true);

      const status = context.signal.aborted ? 'cancelled' : 'completed';
      imports.finish(importId, status, counts);
      audit.record(`import.${status}`, { type: 'import', id: importId }, counts);
      return { status, importReport: imports.report(importId) };
    } catch (error) {
      imports.finish(importId, 'failed', counts);
      audit.record('import.failed', { type: 'import', id: importId }, counts);
      throw error;
    }
  }

  /**
   * One DICOM instance that arrived as bytes rather than as a file in a folder (the DICOM node):
   * the same duplicate checks, decoding, storing and commit as a DICOM file in a folder import.
   * Resolves once the copy is on disk and its row committed.
   */
  async importDicomInstance(bytes: Buffer, fileName: string, sourcePath: string, importId: number): Promise<{ outcome: FileOutcome; contentHash: string }> {
    const contentHash = await hashOf(bytes);
    if (this.deps.studies.hasImageWithHash(contentHash)) return { outcome: { kind: 'skipped' }, contentHash };
    return { outcome: await this.importDicom(bytes, contentHash, sourcePath, fileName, importId), contentHash };
  }

  private async importFile(root: string, relative: string, importId: number): Promise<FileOutcome> {
    const full = path.join(root, relative);
    const read = await readImageFile(full, MAX_FILE_BYTES);
    if (!read.ok) return { kind: 'rejected', reason: read.reason };
    const { bytes } = read;

    const format = sniffFormat(bytes);
    if ((format === 'png' || format === 'jpeg') && isTruncated(bytes, format)) {
      return { kind: 'rejected', reason: `cannot decode image: the file is truncated (no ${format === 'png' ? 'IEND chunk' : 'end-of-image marker'})` };
    }

    const contentHash = await hashOf(bytes);
    const { studies } = this.deps;
    if (studies.hasImageWithHash(contentHash)) return { kind: 'skipped' };
    // Without the "DICM" preamble a file may still be a raw DICOM data set; the decoder decides.
    if (format !== 'png' && format !== 'jpeg') return this.importDicom(bytes, contentHash, full, relative, importId);

    return this.sameImage.run([`hash:${contentHash}`], async () => {
      if (studies.hasImageWithHash(contentHash)) return { kind: 'skipped' };
      return this.addRaster(bytes, format, contentHash, root, relative, importId);
    });
  }

  private async addRaster(bytes: Buffer, format: 'png' | 'jpeg', contentHash: string, root: string, relative: string, importId: number): Promise<FileOutcome> {
    const { studies, store } = this.deps;
    const full = path.join(root, relative);
    let raster;
    try {
      raster = await readRasterImage(bytes);
    } catch (error) {
      return { kind: 'rejected', reason: error instanceof AppError ? error.message : 'cannot decode image' };
    }
    const storedPath = await store.put(contentHash, format === 'png' ? 'png' : 'jpg', bytes);
    const facts = readPathFacts(layoutPath(root, relative));
    const studyId = studies.addStudyWithImage(
      { patientId: facts.patientId, label: facts.label, importId, modality: null },
      {
        contentHash,
        fileName: path.basename(relative),
        sourcePath: full,
        storedPath,
        format,
        width: raster.width,
        height: raster.height,
        byteSize: bytes.length,
        datasetSplit: facts.split,
        thumbnail: raster.thumbnail,
      },
    );
    return studyId === null ? { kind: 'skipped' } : { kind: 'added' };
  }

  private async importDicom(bytes: Buffer, contentHash: string, full: string, relative: string, importId: number): Promise<FileOutcome> {
    const { studies, dicom } = this.deps;
    let summary;
    try {
      summary = await dicom.summarize(bytes);
    } catch (error) {
      return { kind: 'rejected', reason: `unreadable DICOM: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (summary === null) return { kind: 'rejected', reason: 'not a PNG, JPEG or DICOM file' };
    const { metadata } = summary;
    const keys = [`hash:${contentHash}`, ...(metadata.sopInstanceUid ? [`sop:${metadata.sopInstanceUid}`] : [])];
    return this.sameImage.run(keys, async () => {
      if (studies.hasImageWithHash(contentHash)) return { kind: 'skipped' };
      if (metadata.sopInstanceUid && studies.hasImageWithSopUid(metadata.sopInstanceUid)) return { kind: 'skipped' };
      return this.addDicom(bytes, summary, contentHash, full, relative, importId);
    });
  }

  private async addDicom(
    bytes: Buffer,
    summary: DicomSummary,
    contentHash: string,
    full: string,
    relative: string,
    importId: number,
  ): Promise<FileOutcome> {
    const { studies, store } = this.deps;
    const { metadata, image } = summary;
    const thumbnail = await dicomThumbnail(image?.preview ?? null);
    const storedPath = await store.put(contentHash, 'dcm', bytes);
    const added = studies.addDicomImage(
      {
        studyUid: metadata.studyInstanceUid,
        patientId: metadata.patientId,
        patientName: metadata.patientName,
        patientSex: metadata.patientSex,
        patientBirthDate: metadata.patientBirthDate,
        patientAge: metadata.patientAge,
        accessionNumber: metadata.accessionNumber,
        studyDate: metadata.studyDate,
        studyTime: metadata.studyTime,
        modality: metadata.modality,
        bodyPart: metadata.bodyPart,
        description: metadata.studyDescription,
        institution: metadata.institution,
      },
      {
        contentHash,
        fileName: path.basename(relative),
        sourcePath: full,
        storedPath,
        format: 'dicom',
        // Objects without pixels (reports, plans) still get a row, sized 1 x 1, so the study is listed.
        width: image?.width ?? 1,
        height: image?.height ?? 1,
        byteSize: bytes.length,
        datasetSplit: null,
        thumbnail,
        sopInstanceUid: metadata.sopInstanceUid,
        seriesInstanceUid: metadata.seriesInstanceUid,
        sopClassUid: metadata.sopClassUid,
        transferSyntaxUid: summary.transferSyntaxUid,
        photometric: image?.photometric ?? null,
        frameCount: image?.frames ?? 0,
        manufacturer: metadata.manufacturer,
        viewPosition: metadata.viewPosition,
        hasPixels: image !== null,
        notApplicableReason: summary.notApplicable,
      },
      importId,
    );
    return added === null ? { kind: 'skipped' } : { kind: 'added' };
  }
}
