import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { hasImageSignature, SIGNATURE_BYTES } from '../imaging/file-format';
import { fsReason } from './folder-walk';
import { specialEntryReason } from './special-file';

export type ReadOutcome = { ok: true; bytes: Buffer } | { ok: false; reason: string };

const CHUNK_BYTES = 1024 * 1024;

/**
 * Reads a file to import, trusting only what is read: the size `stat` reports is not (files in
 * /proc say 0 and never end), so reading stops at `maxBytes`. Opens without following a link and
 * without blocking, then refuses anything but a regular file, and a file whose first bytes are no
 * image signature, before reading the rest.
 */
export async function readImageFile(file: string, maxBytes: number): Promise<ReadOutcome> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ELOOP: the entry became a symbolic link after the folder was listed.
    if (code === 'ELOOP') return { ok: false, reason: 'a symbolic link: not followed' };
    return { ok: false, reason: `cannot read file: ${fsReason(error)}` };
  }
  try {
    const kind = specialEntryReason(await handle.stat());
    if (kind) return { ok: false, reason: kind };
    const chunks: Buffer[] = [];
    let total = 0;
    while (true) {
      const want = total < SIGNATURE_BYTES ? SIGNATURE_BYTES - total : CHUNK_BYTES;
      const chunk = Buffer.allocUnsafe(Math.min(want, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) return { ok: false, reason: `file is too large (more than ${Math.round(maxBytes / 2 ** 20)} MiB)` };
      if (total === SIGNATURE_BYTES && !hasImageSignature(Buffer.concat(chunks))) break;
    }
    const bytes = Buffer.concat(chunks);
    if (bytes.length === 0) return { ok: false, reason: 'empty file' };
    if (!hasImageSignature(bytes)) return { ok: false, reason: 'not a PNG, JPEG or DICOM file' };
    return { ok: true, bytes };
  } catch (error) {
    return { ok: false, reason: `cannot read file: ${fsReason(error)}` };
  } finally {
    await handle.close();
  }
}
