/**
 * The audit log in words for the screen. The stored entries and the CSV export keep the codes and
 * raw values (they are the record); only what a person reads here changes.
 */

export const ACTION_TEXT: Readonly<Record<string, string>> = {
  'threshold.changed': 'Threshold changed',
  'setting.changed': 'Setting changed',
  'study.opened': 'Study opened',
  'study.marked_read': 'Marked read',
  'study.marked_unread': 'Marked unread',
  'import.started': 'Import started',
  'import.completed': 'Import completed',
  'import.cancelled': 'Import cancelled',
  'import.failed': 'Import failed',
  'import.interrupted': 'Import interrupted',
  'export.audit': 'Audit log exported',
  'export.worklist': 'Worklist exported',
  'model.registered': 'Model version registered',
  'model.trained': 'Model version trained',
  'model.imported': 'Model version imported',
  'model.exported': 'Model version exported',
  'model.activation_started': 'Activation started',
  'model.activation_cancelled': 'Activation cancelled',
  'model.activated': 'Model version activated',
  'model.rolled_back': 'Rolled back to the previous version',
  'scoring.started': 'Scoring started',
  'scoring.finished': 'Scoring finished',
  'scoring.interrupted': 'Scoring interrupted',
  'training.started': 'CIFAR-10 training started',
  'training.resumed': 'CIFAR-10 training resumed',
  'training.completed': 'CIFAR-10 training completed',
  'training.stopped': 'CIFAR-10 training stopped',
  'training.failed': 'CIFAR-10 training failed',
  'training.interrupted': 'CIFAR-10 training interrupted',
  'pneumonia.training_started': 'Pneumonia training started',
  'pneumonia.training_completed': 'Pneumonia training completed',
  'pneumonia.training_stopped': 'Pneumonia training stopped',
  'pneumonia.training_failed': 'Pneumonia training failed',
  'pneumonia.training_interrupted': 'Pneumonia training interrupted',
  'dicom.listener_started': 'DICOM node listening',
  'dicom.listener_stopped': 'DICOM node stopped',
  'dicom.listener_failed': 'DICOM node failed to start',
  'dicom.association': 'DICOM association',
  'archive.query': 'Archive queried',
  'archive.retrieve': 'Studies retrieved from an archive',
  'archive.polled': 'Archive polled for new studies',
  'archive.poll_failed': 'Archive poll failed',
  'results.built': 'Result report made',
  'results.build_failed': 'Result report could not be made',
  'results.capture_failed': 'Result image could not be made',
  'results.send_requested': 'Result sending requested',
  'results.resend_after_restart': 'Results resent after a restart',
};

/** An action in words; a code this screen does not know yet is shown as recorded rather than hidden. */
export function actionText(action: string): string {
  return ACTION_TEXT[action] ?? action;
}

const KEY_TEXT: Readonly<Record<string, string>> = {
  auc: 'AUC',
  aeTitle: 'AE title',
  callingAeTitle: 'from AE title',
  bindAddress: 'address',
  allowedPeers: 'allowed senders',
  filesSeen: 'files seen',
  subsetSize: 'subset',
  versionId: 'version',
  baseVersionId: 'base version',
  previous: 'previous version',
  inScope: 'in scope',
  notApplicable: 'not applicable',
  outsidePopulation: 'outside population',
  unusualImage: 'unusual image',
  alreadyStored: 'already stored',
};

/** camelCase keys the screen has no words for read as lower-case words. */
function keyText(key: string): string {
  return KEY_TEXT[key] ?? key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** Thresholds as typed (two decimals), AUC and other fractions to three, counts as they are. */
function valueText(key: string, value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    if (key === 'threshold' || key === 'from' || key === 'to') return value.toFixed(2);
    if (key === 'auc') return value.toFixed(3);
    return String(Number(value.toFixed(3)));
  }
  if (typeof value === 'string') return ACTION_TEXT[value] ?? value;
  return JSON.stringify(value, (_, inner: unknown) => (typeof inner === 'number' && !Number.isInteger(inner) ? Number(inner.toFixed(3)) : inner));
}

const SETTING_TEXT: Readonly<Record<string, string>> = {
  agingLimitMinutes: 'aging limit (min)',
  sitePrevalencePercent: 'site prevalence (%)',
  dicomNode: 'DICOM node',
};

/** What an entry is about: "model version 3", "setting: aging limit (min)"; an em dash when nothing. */
export function entityText(type: string | null, id: string | null): string {
  if (type === null) return '—';
  if (type === 'setting' && id !== null) return `setting: ${SETTING_TEXT[id] ?? keyText(id)}`;
  return `${type.replaceAll('_', ' ')} ${id ?? ''}`.trim();
}

/** An entry's details as "key: value" pairs in words, numbers rounded for people. */
export function detailsText(details: unknown): string {
  if (details === null || details === undefined) return '';
  if (typeof details !== 'object') return String(details);
  return Object.entries(details as Record<string, unknown>)
    .map(([key, value]) => `${keyText(key)}: ${valueText(key, value)}`)
    .join(' · ');
}
