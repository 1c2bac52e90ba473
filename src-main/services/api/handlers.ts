import { AppError } from '@shared/ipc/errors';
import type { AppServices } from '../app/app-services';
import type { Handlers } from './router';

export interface AdapterFacts {
  adapter: 'electron' | 'browser-host';
  version: string;
  /** Present only where the adapter can show a native folder dialog. */
  pickFolder?: (title: string | undefined) => Promise<string | null>;
}

/** Maps every contract channel to the services. Adapter-specific parts come in through `facts`. */
export function createHandlers(services: AppServices, facts: AdapterFacts): Handlers {
  const { studies, imports, importer, jobs, store, audit, training } = services;
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
    'studies.get': ({ studyId }) => {
      const study = studies.get(studyId);
      if (!study) throw new AppError('NOT_FOUND', `Study ${studyId} does not exist.`);
      audit.record('study.opened', { type: 'study', id: studyId });
      return study;
    },
    'images.thumbnail': ({ imageId }) => {
      const thumbnail = studies.getThumbnail(imageId);
      if (!thumbnail) throw new AppError('NOT_FOUND', `Image ${imageId} does not exist.`);
      return { mime: 'image/jpeg', bytes: thumbnail };
    },
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
    'ml.runtime': ({ backend }) => training.runtime(backend),
    'training.start': (config) => training.start(config),
    'training.pause': ({ runId }) => ({ status: training.pause(runId) }),
    'training.resume': ({ runId }) => training.resume(runId),
    'training.stop': ({ runId }) => ({ status: training.stop(runId) }),
    'training.list': ({ limit }) => ({ runs: training.list(limit) }),
    'training.get': ({ runId }) => training.get(runId),
  };
}
