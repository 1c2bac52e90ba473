// Finds the Electron executable without triggering electron's own on-demand download.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function findElectronBinary() {
  const pkgDir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(pkgDir, 'path.txt');
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(pkgDir, 'dist');
  if (!existsSync(pathFile)) return null;
  const binary = path.join(distDir, readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const binary = findElectronBinary();
  console.log(binary ?? 'Electron binary: not installed');
  process.exit(binary ? 0 : 1);
}
