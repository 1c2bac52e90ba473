/**
 * The sandboxed preload: exposes `window.api`, an explicit list of contract methods plus
 * `onEvent`. The renderer never gets ipcRenderer, and only contract channel names are sent.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNEL } from '@shared/ipc/channels';
import { createWindowApi, type WindowApi } from '@shared/ipc/window-api';

const api = createWindowApi({
  invoke: (channel, payload) => ipcRenderer.invoke(channel, payload),
  subscribe(listener) {
    const forward = (_event: IpcRendererEvent, message: unknown) => listener(message);
    ipcRenderer.on(EVENT_CHANNEL, forward);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, forward);
  },
}) satisfies WindowApi;

contextBridge.exposeInMainWorld('api', api);
