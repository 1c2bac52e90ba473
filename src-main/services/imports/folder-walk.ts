import { opendir } from 'node:fs/promises';
import path from 'node:path';

export interface WalkResult {
  /** Paths relative to the root, in a stable order. */
  files: string[];
  /** Folders that could not be read, with why. */
  unreadable: { path: string; reason: string }[];
}

/** Lists every regular file under root, skipping hidden entries; an unreadable folder is reported, not fatal. */
export async function walkFolder(root: string, signal?: AbortSignal): Promise<WalkResult> {
  const files: string[] = [];
  const unreadable: WalkResult['unreadable'] = [];
  const pending = [''];
  while (pending.length > 0) {
    if (signal?.aborted) break;
    const relativeDir = pending.pop()!;
    const entries: { name: string; isDir: boolean; isFile: boolean }[] = [];
    try {
      for await (const entry of await opendir(path.join(root, relativeDir))) {
        entries.push({ name: entry.name, isDir: entry.isDirectory(), isFile: entry.isFile() });
      }
    } catch (error) {
      unreadable.push({ path: relativeDir || '.', reason: `cannot read folder: ${fsReason(error)}` });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const relative = relativeDir ? path.join(relativeDir, entry.name) : entry.name;
      if (entry.isDir) subdirs.push(relative);
      else if (entry.isFile) files.push(relative);
    }
    pending.push(...subdirs.reverse());
  }
  return { files, unreadable };
}

export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'it does not exist';
    case 'EISDIR':
      return 'it is a folder';
    case 'EIO':
      return 'input/output error while reading';
    default:
      return code ? `file system error ${code}` : 'unknown file system error';
  }
}
