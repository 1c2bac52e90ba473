import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';

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
