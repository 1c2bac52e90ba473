import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test as base } from '@playwright/test';
import { CHROMIUM_PATH } from '../../../playwright.config';

export const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface HostFixture {
  url: string;
  dataDir: string;
  /** Runs the headless CLI against the same data folder. */
  process: ChildProcess;
}

/** Starts the built browser host on a fresh data folder, as `npm run serve` does, and stops it after the test. */
export async function startBrowserHost(dataDir?: string): Promise<HostFixture & { stop(): Promise<void> }> {
  const hostJs = path.join(ROOT, 'out/main/host.js');
  if (!existsSync(hostJs)) throw new Error('The app is not built: run `npm run build` before the end-to-end tests.');
  const dir = dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'cxr-e2e-')));
  const child = spawn(process.execPath, [hostJs, '--data-dir', dir, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start:\n${output}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /CXR_TRIAGE_URL=(\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`host exited with ${code}:\n${output}`)));
  });
  let stopping = false;
  // A host that dies mid-test leaves only "cannot reach" in the page: say why, from its own output.
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`browser host exited during the test (${code ?? signal}):\n${output.slice(-4000)}`);
  });
  return {
    url,
    dataDir: dir,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export const test = base.extend<{ host: HostFixture }>({
  host: async ({}, use) => {
    if (!existsSync(CHROMIUM_PATH)) {
      throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
    }
    const host = await startBrowserHost();
    await use(host);
    await host.stop();
  },
});

export { expect } from '@playwright/test';
