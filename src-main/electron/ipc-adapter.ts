import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { CHANNELS, EVENT_CHANNEL } from '@shared/ipc/channels';
import type { Router } from '../services/api/router';
import type { JobRunner } from '../services/jobs/job-runner';

/**
 * Registers every contract channel on ipcMain. Requests are accepted only from our own page and
 * go through the router, which validates them before any service runs.
 */
export function registerIpc(options: {
  router: Router;
  jobs: JobRunner;
  isTrustedSender: (url: string) => boolean;
  windows: () => BrowserWindow[];
}): () => void {
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, payload: unknown) => {
      if (!options.isTrustedSender(event.senderFrame?.url ?? '')) {
        return { ok: false, error: { code: 'INVALID_REQUEST', message: 'Request from an untrusted page refused.' } };
      }
      return options.router.dispatch(channel, payload);
    });
  }
  const unsubscribe = options.jobs.onEvent((event) => {
    for (const window of options.windows()) {
      if (!window.isDestroyed()) window.webContents.send(EVENT_CHANNEL, event);
    }
  });
  return () => {
    unsubscribe();
    for (const channel of CHANNELS) ipcMain.removeHandler(channel);
  };
}
