import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** `<sha256>.<ext>`, or its temporary `<sha256>.<ext>.<pid>.<time>.partial`. */
const STORED_NAME = /^[0-9a-f]{64}\.[a-z]+(\.\d+\.\d+\.partial)?$/;

/**
 * Content-addressed copies of imported images under the data directory, so a study stays
 * viewable after its source folder is moved or unmounted. Written to a temporary name and
 * renamed, so a kill mid-write never leaves a partial file under the final name.
 */
export class ImageStore {
  constructor(private readonly root: string) {}

  relativePathFor(contentHash: string, extension: string): string {
    return path.join(contentHash.slice(0, 2), `${contentHash}.${extension}`);
  }

  async put(contentHash: string, extension: string, bytes: Uint8Array): Promise<string> {
    const relative = this.relativePathFor(contentHash, extension);
    const target = path.join(this.root, relative);
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.${Date.now()}.partial`;
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return relative;
  }

  /**
   * Removes what a killed import left: `.partial` files (killed mid-write) and files no image row
   * refers to (stored, then killed before the row was committed). Only the data folder's owner
   * calls this, before any import starts. Returns how many files were removed.
   */
  removeUnreferenced(referenced: ReadonlySet<string>): number {
    if (!existsSync(this.root)) return 0;
    let removed = 0;
    for (const dir of readdirSync(this.root, { withFileTypes: true })) {
      if (!dir.isDirectory()) continue;
      for (const file of readdirSync(path.join(this.root, dir.name))) {
        const relative = path.join(dir.name, file);
        // Only names this store writes: anything else was put here by someone else and is kept.
        const ours = STORED_NAME.test(file);
        if (ours && (file.endsWith('.partial') || !referenced.has(relative))) {
          rmSync(path.join(this.root, relative), { force: true, recursive: true });
          removed += 1;
        }
      }
    }
    return removed;
  }

  read(relative: string): Promise<Buffer> {
    return readFile(this.resolve(relative));
  }

  /** Where a stored image is on disk, for the compute worker to read it itself. */
  resolve(relative: string): string {
    const full = path.resolve(this.root, relative);
    if (!full.startsWith(path.resolve(this.root) + path.sep)) {
      throw new Error('stored image path escapes the image store');
    }
    return full;
  }
}
