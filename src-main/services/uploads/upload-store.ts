import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '@shared/ipc/errors';
import { UPLOAD_CHUNK_MAX_BYTES, UPLOAD_MAX_BYTES } from '@shared/ipc/limits';

/** Uploads in progress at once: bounds the disk a client can claim without finishing. */
const MAX_OPEN_UPLOADS = 4;
/** An upload with no chunk for this long was abandoned (a closed window) and gives way to a new one. */
export const UPLOAD_IDLE_MS = 5 * 60_000;

interface Upload {
  fileName: string;
  size: number;
  received: number;
  file: string;
  finished: boolean;
  lastActivity: number;
  /** Chunks are written one at a time, in order. */
  busy: boolean;
}

/**
 * Files sent in chunks (a model package larger than one socket message), kept in a temporary file
 * under the data folder until a service takes them. Nothing here survives a restart: the folder is
 * emptied at start.
 */
export class UploadStore {
  private readonly uploads = new Map<string, Upload>();

  constructor(
    private readonly dir: string,
    private readonly maxBytes = UPLOAD_MAX_BYTES,
    private readonly now: () => number = Date.now,
  ) {}

  /** Removes what a closed or killed process left; only the data folder's owner may call it. */
  sweep(): void {
    mkdirSync(this.dir, { recursive: true });
    for (const entry of readdirSync(this.dir)) rmSync(path.join(this.dir, entry), { recursive: true, force: true });
  }

  async begin(fileName: string, size: number): Promise<{ uploadId: string; chunkBytes: number }> {
    if (size > this.maxBytes) {
      throw new AppError('BAD_INPUT', `The file is ${formatMiB(size)}; uploads are limited to ${formatMiB(this.maxBytes)}.`);
    }
    for (const [id, upload] of this.uploads) {
      if (this.now() - upload.lastActivity > UPLOAD_IDLE_MS) await this.abort(id);
    }
    if (this.uploads.size >= MAX_OPEN_UPLOADS) {
      throw new AppError('CONFLICT', `${MAX_OPEN_UPLOADS} uploads are already in progress; finish or abort one first.`);
    }
    const uploadId = randomUUID();
    const file = path.join(this.dir, `${uploadId}.upload`);
    mkdirSync(this.dir, { recursive: true });
    await (await open(file, 'wx')).close();
    this.uploads.set(uploadId, { fileName, size, received: 0, file, finished: false, busy: false, lastActivity: this.now() });
    return { uploadId, chunkBytes: UPLOAD_CHUNK_MAX_BYTES };
  }

  async chunk(uploadId: string, offset: number, bytes: Uint8Array): Promise<{ received: number }> {
    const upload = this.open(uploadId);
    if (upload.busy) throw new AppError('CONFLICT', 'Send the next chunk only once the previous one is acknowledged.');
    if (offset !== upload.received) {
      throw new AppError('BAD_INPUT', `The chunk starts at byte ${offset}, but ${upload.received} bytes have been received.`);
    }
    if (offset + bytes.byteLength > upload.size) {
      throw new AppError('BAD_INPUT', `The chunk runs past the announced size (${upload.size} bytes).`);
    }
    upload.busy = true;
    try {
      const handle = await open(upload.file, 'r+');
      try {
        await handle.write(bytes, 0, bytes.byteLength, offset);
      } finally {
        await handle.close();
      }
      upload.received += bytes.byteLength;
      upload.lastActivity = this.now();
    } finally {
      upload.busy = false;
    }
    return { received: upload.received };
  }

  finish(uploadId: string): { uploadId: string; size: number } {
    const upload = this.open(uploadId);
    if (upload.busy || upload.received !== upload.size) {
      throw new AppError('BAD_INPUT', `The upload is incomplete: ${upload.received} of ${upload.size} bytes received.`);
    }
    upload.finished = true;
    return { uploadId, size: upload.size };
  }

  async abort(uploadId: string): Promise<{ aborted: boolean }> {
    const upload = this.uploads.get(uploadId);
    if (!upload) return { aborted: false };
    this.uploads.delete(uploadId);
    await rm(upload.file, { force: true });
    return { aborted: true };
  }

  /** Hands a finished upload to `use` (which reads its file) and deletes it afterwards, whatever the outcome. */
  async consume<T>(uploadId: string, use: (file: string, fileName: string) => Promise<T>): Promise<T> {
    const upload = this.uploads.get(uploadId);
    if (!upload?.finished) throw new AppError('NOT_FOUND', 'No finished upload with this id (it may have been used or aborted).');
    this.uploads.delete(uploadId);
    try {
      return await use(upload.file, upload.fileName);
    } finally {
      await rm(upload.file, { force: true });
    }
  }

  private open(uploadId: string): Upload {
    const upload = this.uploads.get(uploadId);
    if (!upload || upload.finished) throw new AppError('NOT_FOUND', 'No upload in progress with this id.');
    return upload;
  }
}

function formatMiB(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}
