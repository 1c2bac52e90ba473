import type { ArchiveSettings, RemoteArchive } from '@shared/ipc/archive-contract';

/** One archive row as typed: every field a string, whichever kind is chosen, so switching kind loses nothing. */
export interface ArchiveDraft {
  key: number;
  kind: 'dimse' | 'dicomweb';
  name: string;
  aeTitle: string;
  host: string;
  port: string;
  retrieve: 'c-move' | 'c-get';
  baseUrl: string;
}

export interface PollDraft {
  archive: string;
  everyMinutes: string;
  lookBackHours: string;
}

let nextKey = 1;

export function archiveDraft(archive?: RemoteArchive): ArchiveDraft {
  const base: ArchiveDraft = { key: nextKey++, kind: 'dimse', name: '', aeTitle: '', host: '', port: '104', retrieve: 'c-move', baseUrl: '' };
  if (!archive) return base;
  if (archive.kind === 'dicomweb') return { ...base, kind: 'dicomweb', name: archive.name, baseUrl: archive.baseUrl };
  return { ...base, name: archive.name, aeTitle: archive.aeTitle, host: archive.host, port: String(archive.port), retrieve: archive.retrieve };
}

/** A number as typed; what is not one is sent as NaN so the contract names the field. */
function numberOf(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text.trim());
}

export function archiveOf(draft: ArchiveDraft): RemoteArchive {
  if (draft.kind === 'dicomweb') return { kind: 'dicomweb', name: draft.name, baseUrl: draft.baseUrl.trim() };
  return { kind: 'dimse', name: draft.name, aeTitle: draft.aeTitle, host: draft.host.trim(), port: numberOf(draft.port), retrieve: draft.retrieve };
}

export function pollDraft(settings: ArchiveSettings): PollDraft {
  return { archive: settings.poll.archive ?? '', everyMinutes: String(settings.poll.everyMinutes), lookBackHours: String(settings.poll.lookBackHours) };
}

export function settingsOf(archives: ArchiveDraft[], poll: PollDraft): ArchiveSettings {
  return {
    archives: archives.map(archiveOf),
    poll: { archive: poll.archive === '' ? null : poll.archive, everyMinutes: numberOf(poll.everyMinutes), lookBackHours: numberOf(poll.lookBackHours) },
  };
}
