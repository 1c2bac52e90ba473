/** Query/retrieve's channel and event names, free of schema code like channels.ts (the preload imports them). */
export const ARCHIVE_API_METHODS = {
  getArchiveSettings: 'archive.settings.get',
  updateArchiveSettings: 'archive.settings.update',
  echoArchive: 'archive.echo',
  queryArchive: 'archive.query',
  retrieveFromArchive: 'archive.retrieve',
  cancelArchiveRetrieve: 'archive.cancelRetrieve',
} as const;

export const ARCHIVE_EVENT_NAMES = ['archive.retrieveProgress'] as const;
