import { createHash } from 'node:crypto';

/** Hashing runs on the main thread: a slice at a time, so a 500 MB file never holds replies up. */
const SLICE_BYTES = 4 * 2 ** 20;

/** SHA-256 of the bytes in hex, yielding to the event loop between slices. */
export async function contentHash(bytes: Uint8Array): Promise<string> {
  const hash = createHash('sha256');
  for (let start = 0; start < bytes.byteLength; start += SLICE_BYTES) {
    hash.update(bytes.subarray(start, start + SLICE_BYTES));
    if (start + SLICE_BYTES < bytes.byteLength) await new Promise((resolve) => setImmediate(resolve));
  }
  return hash.digest('hex');
}
