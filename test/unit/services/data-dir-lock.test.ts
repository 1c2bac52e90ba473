import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openAppServices } from '../../../src-main/services/app/app-services';
import { DataDirLockedError, LOCK_FILE } from '../../../src-main/services/app/data-dir-lock';
import { tempDir } from '../../support/fixtures';

const root = path.resolve(import.meta.dirname, '../../..');
let holder: ChildProcess | undefined;
afterEach(() => {
  holder?.kill('SIGKILL');
  holder = undefined;
});

/** Starts a process that holds the folder with an import running; resolves once it does. */
function holdDataDir(dataDir: string): Promise<{ pid: number; importId: number }> {
  holder = spawn(process.execPath, ['--import', 'tsx', 'test/support/hold-data-dir.ts', dataDir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    holder!.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(JSON.parse(out) as { pid: number; importId: number });
    });
    holder!.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
}

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src-main/cli.ts', ...args], { cwd: root, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function importStatus(dataDir: string, importId: number): { status: string; interruptedAudits: number } {
  const db = new Database(path.join(dataDir, 'cxr-triage.sqlite'), { readonly: true });
  try {
    return {
      status: db.prepare('SELECT status FROM imports WHERE id = ?').pluck().get(importId) as string,
      interruptedAudits: db.prepare("SELECT COUNT(*) FROM audit_log WHERE action = 'import.interrupted'").pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

/** The pid of a process that has already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

describe('one data folder, one writer', () => {
  it('refuses a second process, naming the holder, and leaves the holder\'s running import alone', async () => {
    const dataDir = await tempDir('cxr-lock-');
    const { pid, importId } = await holdDataDir(dataDir);

    expect(() => openAppServices(dataDir)).toThrow(DataDirLockedError);
    expect(() => openAppServices(dataDir)).toThrow(`in use by another CXR Triage process (pid ${pid})`);
    const second = cli('import', dataDir, '--data-dir', dataDir);
    expect(second.status).toBe(1);
    expect(second.stderr.trim().split('\n')).toEqual([expect.stringContaining(`(pid ${pid})`)]);
    // Reading needs no lock.
    const list = cli('list', '--data-dir', dataDir);
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('0 studies');

    expect(importStatus(dataDir, importId)).toEqual({ status: 'running', interruptedAudits: 0 });

    // Once the holder is really gone, its lock is stale: the next process takes over and only now
    // records the import as interrupted.
    const exited = new Promise((resolve) => holder!.once('exit', resolve));
    holder!.kill('SIGKILL');
    await exited;
    const services = openAppServices(dataDir);
    expect(readFileSync(path.join(dataDir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    await services.close();
    expect(importStatus(dataDir, importId)).toEqual({ status: 'interrupted', interruptedAudits: 1 });
  });

  it('takes over a lock file left by a dead process and removes its own on close', async () => {
    const dataDir = await tempDir('cxr-lock-');
    writeFileSync(path.join(dataDir, LOCK_FILE), `${deadPid()}\n`);
    const services = openAppServices(dataDir);
    expect(() => openAppServices(dataDir)).toThrow(`(pid ${process.pid})`);
    await services.close();
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
    await openAppServices(dataDir).close();
  });
});
