// `npm start`: installs what is missing, builds, and opens CXR Triage — the desktop app where the
// Electron binary exists, otherwise the same app in browser mode on this machine only.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
  console.log('Installing dependencies (first run)…');
  run(npm, existsSync(path.join(root, 'package-lock.json')) ? ['ci'] : ['install']);
}

const { findElectronBinary } = await import('./electron-binary.mjs');
const { ensureNativeFor } = await import('./native-modules.mjs');

run(npm, ['run', '--silent', 'build']);

let electron = findElectronBinary();
if (!electron) {
  // Electron fetches its binary on first use; try once, quietly, and fall back if it cannot.
  spawnSync(process.execPath, [path.join(root, 'node_modules', 'electron', 'install.js')], { cwd: root, stdio: 'ignore' });
  electron = findElectronBinary();
}

const extraArgs = process.argv.slice(2);
if (electron) {
  ensureNativeFor('electron');
  const child = spawn(electron, [root, ...extraArgs], { cwd: root, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(
    'The Electron binary is not installed on this machine and could not be downloaded, so CXR Triage is starting in browser mode instead (the same app, served on 127.0.0.1 only; `npm run serve` starts it directly).',
  );
  ensureNativeFor('node');
  const child = spawn(process.execPath, [path.join(root, 'out', 'main', 'host.js'), ...extraArgs], {
    cwd: root,
    stdio: 'inherit',
  });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code) => process.exit(code ?? 0));
}
