import { constants, existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { ResponseOf } from '@shared/ipc/contract';
import { AppError } from '@shared/ipc/errors';
import type { AppServices } from '../app/app-services';
import { exportAuditCsv } from '../exports/audit-export';
import { exportWorklistCsv } from '../exports/worklist-export';
import { DicomError } from '../imaging/dicom/dicom-error';
import type { Handlers } from './router';

export interface AdapterFacts {
  adapter: 'electron' | 'browser-host';
  version: string;
  /** Present only where the adapter can show a native folder dialog. */
  pickFolder?: (title: string | undefined) => Promise<string | null>;
}

/** Maps every contract channel to the services. Adapter-specific parts come in through `facts`. */
export function createHandlers(services: AppServices, facts: AdapterFacts): Handlers {
  const { studies, imports, importer, jobs, store, audit, models, settings, db, training } = services;
  return {
    'app.info': () => ({
      name: 'CXR Triage',
      version: facts.version,
      adapter: facts.adapter,
      dataDir: services.dataDir,
      studyCount: studies.count(),
      capabilities: { nativeFolderPicker: facts.pickFolder !== undefined },
    }),
    'dialogs.pickFolder': async ({ title }) => {
      if (!facts.pickFolder) {
        throw new AppError('UNSUPPORTED', 'This window cannot open a folder dialog; type the folder path instead.');
      }
      return { path: await facts.pickFolder(title) };
    },
    'studies.list': (request) => studies.list(request),
    'studies.get': ({ studyId, purpose }) => {
      const study = studies.get(studyId);
      if (!study) throw new AppError('NOT_FOUND', `Study ${studyId} does not exist.`);
      if (purpose === 'open') audit.record('study.opened', { type: 'study', id: studyId });
      return study;
    },
    'images.thumbnails': ({ imageIds }) => ({
      thumbnails: studies.getThumbnails(imageIds).map(({ imageId, thumbnail }) => ({ imageId, mime: 'image/jpeg', bytes: thumbnail })),
    }),
    'images.display': async ({ imageId }) => {
      const image = studies.getImage(imageId);
      if (!image) throw new AppError('NOT_FOUND', `Image ${imageId} does not exist.`);
      let bytes: Buffer;
      try {
        bytes = await store.read(image.storedPath);
      } catch {
        throw new AppError('NOT_FOUND', `The stored copy of image ${imageId} is missing from the data folder.`);
      }
      const mime = image.format === 'png' ? 'image/png' : 'image/jpeg';
      return { mime, bytes, width: image.width, height: image.height };
    },
    'imports.start': async ({ path }) => ({ jobId: await importer.start(path) }),
    'imports.list': ({ limit }) => ({ imports: imports.list(limit) }),
    'imports.get': ({ importId }) => {
      const report = imports.report(importId);
      if (!report) throw new AppError('NOT_FOUND', `Import ${importId} does not exist.`);
      return report;
    },
    'jobs.cancel': ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
    'studies.setStatus': ({ studyId, status }) => {
      const current = studies.statusOf(studyId);
      if (current === null) throw new AppError('NOT_FOUND', `Study ${studyId} does not exist.`);
      // A not-applicable study is read like any other (the reader saw it), keeping its status.
      const wasRead = current === 'read' || (current === 'not_applicable' && studies.get(studyId)?.readAt != null);
      if (wasRead !== (status === 'read')) {
        studies.setStatus(studyId, status);
        audit.record(status === 'read' ? 'study.marked_read' : 'study.marked_unread', { type: 'study', id: studyId });
      }
      return { studyId, status: current === 'not_applicable' ? current : status };
    },
    'models.list': () => ({ versions: models.list('pneumonia'), pendingActivation: services.scoring.pendingActivation() }),
    'models.setThreshold': ({ modelVersionId, threshold, preset }) => {
      const summary = models.setThreshold(modelVersionId, threshold, preset);
      // Results already sent state the old threshold: with auto-send on, new ones supersede them.
      services.results.reconcile();
      return summary;
    },
    'settings.get': () => settings.get(),
    'settings.update': (changes) => settings.update(changes),
    'audit.list': ({ action, from, to, limit }) => ({
      entries: audit.recent(limit, { action, from, to }),
      actions: audit.actions(),
    }),
    'audit.exportCsv': ({ identified }) => exportAuditCsv({ db, audit }, identified),
    'images.heatmap': async ({ imageId }) => {
      const heatmap = await services.scoring.heatmap(imageId);
      return { heatmap: heatmap ? { mime: 'image/png', bytes: heatmap.bytes, modelVersionId: heatmap.modelVersionId } : null };
    },
    'worklist.exportCsv': ({ identified }) => exportWorklistCsv({ studies, models, audit }, identified),
    'images.dicomFrame': async ({ imageId, frame }) => services.dicom.frame(await readDicom(services, imageId), frame).catch(asBadInput),
    'images.dicomTags': async ({ imageId }) => ({ tags: await services.dicom.tags(await readDicom(services, imageId)).catch(asBadInput) }),
    'ml.runtime': ({ backend }) => training.runtime(backend),
    'training.start': (config) => training.start(config),
    'training.pause': ({ runId }) => ({ status: training.pause(runId) }),
    'training.resume': ({ runId }) => training.resume(runId),
    'training.stop': ({ runId }) => ({ status: training.stop(runId) }),
    'training.list': ({ limit }) => ({ runs: training.list(limit) }),
    'training.get': ({ runId }) => training.get(runId),
    'models.get': ({ modelVersionId }) => services.registry.detail(modelVersionId),
    'models.activate': ({ modelVersionId }) => {
      if (models.task(modelVersionId) !== 'pneumonia') throw new AppError('BAD_INPUT', `Model version ${modelVersionId} is not a pneumonia model.`);
      const outcome = services.scoring.activate(modelVersionId);
      services.results.reconcile();
      return outcome;
    },
    'models.rollback': () => {
      const outcome = services.scoring.activate(models.rollbackTarget('pneumonia'), 'model.rolled_back');
      services.results.reconcile();
      return outcome;
    },
    'models.activations': ({ limit }) => ({ activations: models.activations('pneumonia', limit) }),
    'models.export': ({ modelVersionId }) => services.registry.exportVersion(modelVersionId, facts.version),
    'models.import': (request) =>
      'uploadId' in request
        ? services.uploads.consume(request.uploadId, (file, fileName) => services.registry.importFromDisk(file, fileName))
        : services.registry.importFile(request.fileName, request.bytes),
    'uploads.begin': ({ fileName, size }) => services.uploads.begin(fileName, size),
    'uploads.chunk': ({ uploadId, offset, bytes }) => services.uploads.chunk(uploadId, offset, bytes),
    'uploads.finish': ({ uploadId }) => services.uploads.finish(uploadId),
    'uploads.abort': ({ uploadId }) => services.uploads.abort(uploadId),
    'scoring.start': () => services.scoring.start(),
    'training.defaults': () => ({ datasetPath: cifarDataPath() }),
    'pneumonia.defaults': () => pneumoniaDefaults(services),
    'pneumonia.previewData': (request) => services.pneumonia.preview(request),
    'pneumonia.start': (config) => services.pneumonia.start(config),
    'pneumonia.pause': ({ runId }) => ({ status: services.pneumonia.pause(runId) }),
    'pneumonia.resume': ({ runId }) => ({ status: services.pneumonia.resume(runId) }),
    'pneumonia.stop': ({ runId }) => ({ status: services.pneumonia.stop(runId) }),
    'pneumonia.list': ({ limit }) => ({ runs: services.pneumonia.list(limit) }),
    'pneumonia.get': ({ runId }) => services.pneumonia.get(runId),
    'dicomNode.status': () => services.dicomNode.status(),
    'dicomNode.settings.get': () => services.dicomNode.settings(),
    'dicomNode.settings.update': (changes) => services.dicomNode.updateSettings(changes),
    'dicomNode.echo': ({ peer }) => services.dicomNode.echo(peer),
    'archive.settings.get': () => services.archives.settings(),
    'archive.settings.update': (changes) => {
      const updated = services.archives.updateSettings(changes);
      services.archivePoller.reschedule();
      return updated;
    },
    'archive.echo': ({ archive }) => services.archives.echo(archive),
    'archive.query': (query) => services.archives.query(query),
    'archive.retrieve': ({ archive, studyInstanceUids }) => ({ retrieveId: services.archives.startRetrieve(archive, studyInstanceUids) }),
    'archive.cancelRetrieve': ({ retrieveId }) => ({ cancelled: services.archives.cancel(retrieveId) }),
    'results.settings.get': () => services.results.settings(),
    'results.settings.update': (changes) => services.results.updateSettings(changes),
    'results.outbox.list': ({ limit }) => services.results.list(limit),
    'results.outbox.retry': ({ id }) => services.results.retry(id),
    'results.send': ({ studyId }) => services.results.sendStudy(studyId),
  };
}

/** The real data staged beside the project: $CXR_SHARED_DATA, or ../shared/data from the working directory. */
function sharedDataFolder(): string {
  return path.resolve(process.env.CXR_SHARED_DATA ?? path.join(process.cwd(), '..', 'shared', 'data'));
}

/** The first CIFAR-10 release found in the shared data folder (official binary first, then the image archive). */
function cifarDataPath(): string | null {
  const folder = path.join(sharedDataFolder(), 'cifar10');
  const candidates = ['cifar-10-binary.tar.gz', 'cifar-10-batches-bin', 'cifar-10-images.tar.gz'].map((name) => path.join(folder, name));
  return candidates.find((candidate) => existsSync(candidate)) ?? null;
}

/** What the training screen can offer without the user typing paths: the shared data, when it exists. */
function pneumoniaDefaults(services: AppServices): ResponseOf<'pneumonia.defaults'> {
  const shared = sharedDataFolder();
  const weights = path.join(shared, 'weights', 'mobilenetv2_035_224_imagenet_tm');
  const folder = path.join(shared, 'chest_xray');
  return {
    mobilenetWeightsPath: existsSync(path.join(weights, 'model.json')) ? weights : null,
    sampleFolder: existsSync(folder) ? folder : null,
    labelledStudies: services.studySamples.counts(),
  };
}

/** The stored DICOM file of an image, for the decode pool's worker to read itself (its bytes never pass through here). */
async function readDicom(services: AppServices, imageId: number): Promise<{ path: string }> {
  const image = services.studies.getImage(imageId);
  if (!image) throw new AppError('NOT_FOUND', `Image ${imageId} does not exist.`);
  if (image.format !== 'dicom') throw new AppError('BAD_INPUT', `Image ${imageId} is not a DICOM image.`);
  try {
    const file = services.store.resolve(image.storedPath);
    await access(file, constants.R_OK);
    return { path: file };
  } catch {
    throw new AppError('NOT_FOUND', `The stored copy of image ${imageId} is missing from the data folder.`);
  }
}

function asBadInput(error: unknown): never {
  if (error instanceof DicomError) throw new AppError('BAD_INPUT', `The DICOM image cannot be shown: ${error.message}.`);
  throw error;
}
