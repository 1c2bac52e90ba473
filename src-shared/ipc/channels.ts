/**
 * Channel and event names, and the method names `window.api` exposes for them.
 * Kept free of schema code so the sandboxed preload can import it without bundling zod.
 */
import { ARCHIVE_API_METHODS, ARCHIVE_EVENT_NAMES } from './archive-channels';
import { RESULTS_API_METHODS } from './results-channels';

export const API_METHODS = {
  appInfo: 'app.info',
  pickFolder: 'dialogs.pickFolder',
  listStudies: 'studies.list',
  getStudy: 'studies.get',
  getThumbnails: 'images.thumbnails',
  getDisplayImage: 'images.display',
  startImport: 'imports.start',
  listImports: 'imports.list',
  getImport: 'imports.get',
  cancelJob: 'jobs.cancel',
  setStudyStatus: 'studies.setStatus',
  listModels: 'models.list',
  setThreshold: 'models.setThreshold',
  getSettings: 'settings.get',
  updateSettings: 'settings.update',
  listAudit: 'audit.list',
  exportAuditCsv: 'audit.exportCsv',
  exportWorklistCsv: 'worklist.exportCsv',
  getHeatmap: 'images.heatmap',
  getDicomFrame: 'images.dicomFrame',
  getDicomTags: 'images.dicomTags',
  mlRuntime: 'ml.runtime',
  startTraining: 'training.start',
  pauseTraining: 'training.pause',
  resumeTraining: 'training.resume',
  stopTraining: 'training.stop',
  listTrainingRuns: 'training.list',
  getTrainingRun: 'training.get',
  getModel: 'models.get',
  activateModel: 'models.activate',
  rollbackModel: 'models.rollback',
  listActivations: 'models.activations',
  exportModel: 'models.export',
  importModel: 'models.import',
  beginUpload: 'uploads.begin',
  uploadChunk: 'uploads.chunk',
  finishUpload: 'uploads.finish',
  abortUpload: 'uploads.abort',
  startScoring: 'scoring.start',
  trainingDefaults: 'training.defaults',
  pneumoniaDefaults: 'pneumonia.defaults',
  previewPneumoniaData: 'pneumonia.previewData',
  startPneumoniaTraining: 'pneumonia.start',
  pausePneumoniaTraining: 'pneumonia.pause',
  resumePneumoniaTraining: 'pneumonia.resume',
  stopPneumoniaTraining: 'pneumonia.stop',
  listPneumoniaRuns: 'pneumonia.list',
  getPneumoniaRun: 'pneumonia.get',
  dicomNodeStatus: 'dicomNode.status',
  getDicomNodeSettings: 'dicomNode.settings.get',
  updateDicomNodeSettings: 'dicomNode.settings.update',
  echoDicomPeer: 'dicomNode.echo',
  ...ARCHIVE_API_METHODS,
  ...RESULTS_API_METHODS,
} as const;

export type ApiMethod = keyof typeof API_METHODS;
export type Channel = (typeof API_METHODS)[ApiMethod];

export const CHANNELS: readonly Channel[] = Object.values(API_METHODS);

export const EVENT_NAMES = ['job.progress', 'job.finished', 'training.progress', 'pneumonia.progress', 'studies.arrived', ...ARCHIVE_EVENT_NAMES] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** The single IPC channel main uses to push events to the renderer. */
export const EVENT_CHANNEL = 'app.event';

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}
