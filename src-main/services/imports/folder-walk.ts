import { lstat, opendir } from 'node:fs/promises';
import path from 'node:path';
import { specialEntryReason, type EntryType } from './special-file';

export interface WalkResult {
  /** Regular files, relative to the root, in a stable order. */
  files: string[];
  /** Every other entry (links, FIFOs, devices, sockets), with why it is not imported. */
  special: { path: string; reason: string }[];
  /** Folders that could not be read, with why. */
  unreadable: { path: string; reason: string }[];
}

/**
 * Lists every entry under root, skipping hidden ones: regular files to import, and every other
 * kind of entry with its reason, so each one is accounted for. Links are never followed. An
 * unreadable folder is reported, not fatal.
 */
export async function walkFolder(root: string, signal?: AbortSignal): Promise<WalkResult> {
  const files: string[] = [];
  const special: WalkResult['special'] = [];
  const unreadable: WalkResult['unreadable'] = [];
  const pending = [''];
  while (pending.length > 0) {
    if (signal?.aborted) break;
    const relativeDir = pending.pop()!;
    const entries: { name: string; type: EntryType }[] = [];
    try {
      for await (const entry of await opendir(path.join(root, relativeDir))) {
        // Some file systems leave the type unknown in the listing (every test false); lstat says.
        const type = hasType(entry) ? entry : await lstat(path.join(root, relativeDir, entry.name));
        entries.push({ name: entry.name, type });
      }
    } catch (error) {
      unreadable.push({ path: relativeDir || '.', reason: `cannot read folder: ${fsReason(error)}` });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const { name, type } of entries) {
      if (name.startsWith('.')) continue;
      const relative = relativeDir ? path.join(relativeDir, name) : name;
      if (type.isDirectory()) subdirs.push(relative);
      else if (type.isFile()) files.push(relative);
      else special.push({ path: relative, reason: specialEntryReason(type)! });
    }
    pending.push(...subdirs.reverse());
  }
  return { files, special, unreadable };
}

function hasType(entry: EntryType): boolean {
  return (
    entry.isFile() || entry.isDirectory() || entry.isSymbolicLink() || entry.isFIFO() ||
    entry.isSocket() || entry.isCharacterDevice() || entry.isBlockDevice()
  );
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
