import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '@shared/ipc/errors';

export const LOCK_FILE = 'cxr-triage.lock';
const ATTEMPTS = 20;
const RETRY_MS = 25;

/** Another live process writes to this data folder. */
export class DataDirLockedError extends AppError {
  constructor(
    readonly dataDir: string,
    readonly pid: number | null,
  ) {
    super(
      'CONFLICT',
      `The data folder ${dataDir} is in use by another CXR Triage process (${pid === null ? 'pid unknown' : `pid ${pid}`}); close it or choose another data folder.`,
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  release(): void;
}

/**
 * Makes this process the data folder's only writer: a lock file created with O_EXCL that holds the
 * owner's pid. A lock whose pid is no longer running was left by a killed process and is taken over.
 * Released on `release()` and when the process exits.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (tryCreate(file)) {
      const release = () => {
        process.off('exit', release);
        if (readPid(file) === process.pid) unlinkSync(file);
      };
      process.on('exit', release);
      return { release };
    }
    const holder = readPid(file);
    if (holder !== null && isRunning(holder)) throw new DataDirLockedError(dataDir, holder);
    // No pid yet: its creator is between creating and writing it, so wait. A dead pid: take over.
    if (holder === null) sleep(RETRY_MS);
    else takeOver(file, holder);
  }
  throw new DataDirLockedError(dataDir, readPid(file));
}

function tryCreate(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Moves a stale lock aside (rename is atomic, so of two processes taking over only one moves it).
 * If what was moved turns out to be a live process's fresh lock, it is put back.
 */
function takeOver(file: string, stalePid: number): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readPid(aside);
  if (moved !== stalePid && moved !== null && isRunning(moved)) {
    try {
      linkSync(aside, file);
    } catch {
      // Someone else holds the name now; the next attempt reports them.
    }
  }
  unlinkSync(aside);
}

function readPid(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
