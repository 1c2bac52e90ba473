/** What `fs.Dirent` and `fs.Stats` both answer about an entry's type. */
export interface EntryType {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}

/**
 * Why an entry that is neither a regular file nor a folder is not imported; null for those two.
 * Such entries are never opened: a FIFO blocks a read forever, a device never ends, and a link
 * may lead out of the folder the user chose (to /proc, /dev, another user's files).
 */
export function specialEntryReason(entry: EntryType): string | null {
  if (entry.isFile() || entry.isDirectory()) return null;
  if (entry.isSymbolicLink()) return 'a symbolic link: not followed';
  if (entry.isFIFO()) return 'a named pipe (FIFO): not read';
  if (entry.isSocket()) return 'a socket: not read';
  if (entry.isCharacterDevice()) return 'a character device file: not read';
  if (entry.isBlockDevice()) return 'a block device file: not read';
  return 'not a regular file: not read';
}
