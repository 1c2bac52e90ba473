// better-sqlite3 is a native module built for one runtime at a time: Node (tests, CLI, browser
// host) or Electron (the desktop app). This switches it, only when needed, and remembers which.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const marker = path.join(root, 'node_modules', '.cxr-native-runtime');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

function loadsInNode() {
  const probe = spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], {
    cwd: root,
    stdio: 'ignore',
  });
  return probe.status === 0;
}

export function ensureNativeFor(runtime) {
  const current = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : 'node';
  if (runtime === 'node') {
    if (current === 'node' && loadsInNode()) return;
    console.log('Rebuilding better-sqlite3 for Node…');
    execFileSync(npm, ['rebuild', 'better-sqlite3'], { cwd: root, stdio: 'inherit' });
  } else {
    if (current === 'electron') return;
    console.log('Rebuilding native modules for Electron…');
    execFileSync(npx, ['electron-builder', 'install-app-deps'], { cwd: root, stdio: 'inherit' });
  }
  writeFileSync(marker, runtime);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runtime = process.argv[2];
  if (runtime !== 'node' && runtime !== 'electron') {
    console.error('usage: native-modules.mjs node|electron');
    process.exit(2);
  }
  ensureNativeFor(runtime);
}
