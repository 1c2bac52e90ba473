/// <reference types="svelte" />
/// <reference types="vite/client" />
import type { WindowApi } from '@shared/ipc/window-api';

declare global {
  interface Window {
    /** Provided by the Electron preload or by the browser host's bridge; never by the renderer itself. */
    api?: WindowApi;
  }
}

export {};
