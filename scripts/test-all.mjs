// `npm test`: every check and every test — types, unit tests (vitest), the built app end to end in
// Chromium through the browser host, and in Electron where its binary exists — then one line
// `N passed, N failed, N skipped` counting all tests.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from './electron-binary.mjs';
import { ensureNativeFor } from './native-modules.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = path.join(root, 'test-results');
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const failures = [];
const totals = { passed: 0, failed: 0, skipped: 0 };

function step(name, command, args, env = {}) {
  console.log(`\n=== ${name}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) failures.push(`${name} (exit ${result.status ?? result.signal})`);
  return result.status === 0;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function countVitest(file) {
  const report = readJson(file);
  if (!report) return failures.push(`vitest wrote no report (${path.relative(root, file)})`);
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += report.numPendingTests + report.numTodoTests;
}

function countPlaywright(file) {
  const report = readJson(file);
  if (!report) return failures.push(`playwright wrote no report (${path.relative(root, file)})`);
  totals.passed += report.stats.expected + report.stats.flaky;
  totals.failed += report.stats.unexpected;
  totals.skipped += report.stats.skipped;
}

rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });
ensureNativeFor('node');

step('type check (main, shared, tests)', npx, ['tsc', '-p', 'tsconfig.json']);
step('type check (renderer)', npx, ['svelte-check', '--workspace', 'src-renderer', '--tsconfig', '../tsconfig.json', '--fail-on-warnings']);
step('unit tests', npx, ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${path.join(results, 'vitest.json')}`]);
countVitest(path.join(results, 'vitest.json'));

if (step('build', npx, ['electron-vite', 'build'])) {
  step('end-to-end in Chromium (browser host)', npx, ['playwright', 'test', '--project=browser'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: path.join(results, 'e2e-browser.json'),
  });
  countPlaywright(path.join(results, 'e2e-browser.json'));

  const electron = findElectronBinary();
  if (electron) ensureNativeFor('electron');
  step(electron ? 'end-to-end in Electron' : 'end-to-end in Electron (no Electron binary: reports skips)', npx, ['playwright', 'test', '--project=electron'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: path.join(results, 'e2e-electron.json'),
  });
  countPlaywright(path.join(results, 'e2e-electron.json'));
  if (electron) ensureNativeFor('node');
}

console.log('');
if (failures.length > 0) console.log(`Failed steps: ${failures.join('; ')}`);
if (!existsSync(path.join(root, 'node_modules', 'electron', 'path.txt'))) {
  console.log('Electron end-to-end tests were skipped: no Electron binary on this machine.');
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failures.length > 0 || totals.failed > 0 ? 1 : 0);
