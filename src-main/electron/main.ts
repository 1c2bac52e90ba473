/** The Electron shell: one locked-down window over the services. Everything else lives in services/. */
import { app, BrowserWindow, dialog, session } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openAppServices, type AppServices } from '../services/app/app-services';
import { dataDirOverride } from '../services/app/data-dir';
import { createHandlers } from '../services/api/handlers';
import { createRouter } from '../services/api/router';
import { installMenu } from './app-menu';
import { registerIpc } from './ipc-adapter';
import { createMainWindow } from './main-window';

const here = path.dirname(fileURLToPath(import.meta.url));
const indexHtml = path.join(here, '../renderer/index.html');
const preload = path.join(here, '../preload/preload.cjs');
const rendererRoot = `${pathToFileURL(path.dirname(indexHtml)).href}/`;

let services: AppServices | null = null;

async function start(): Promise<void> {
  const override = dataDirOverride(process.argv);
  if (override) app.setPath('userData', override);
  services = openAppServices(app.getPath('userData'));

  // The app needs no camera, microphone, notifications or any other web permission.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));

  const router = createRouter(
    createHandlers(services, {
      adapter: 'electron',
      version: app.getVersion(),
      async pickFolder(title) {
        const window = BrowserWindow.getFocusedWindow();
        const options = { title: title ?? 'Choose a folder of chest X-rays', properties: ['openDirectory' as const] };
        const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
        return result.canceled ? null : (result.filePaths[0] ?? null);
      },
    }),
  );
  registerIpc({
    router,
    jobs: services.jobs,
    isTrustedSender: (url) => url.startsWith(rendererRoot),
    windows: () => BrowserWindow.getAllWindows(),
  });
  installMenu(!app.isPackaged);
  createMainWindow({ preload, indexHtml });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  app.whenReady().then(start).catch((error: unknown) => {
    dialog.showErrorBox('CXR Triage could not start', error instanceof Error ? error.message : String(error));
    app.exit(1);
  });
  app.on('activate', () => {
    if (services && BrowserWindow.getAllWindows().length === 0) createMainWindow({ preload, indexHtml });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', (event) => {
    if (!services) return;
    event.preventDefault();
    const closing = services;
    services = null;
    void closing.close().finally(() => app.quit());
  });
}
