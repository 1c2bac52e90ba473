import { call } from './api';

/**
 * Sends a file to main in chunks (uploads.*), so a file of any size fits the host's socket and
 * neither side holds more than a chunk of it in memory. Resolves with the finished upload's id;
 * a failed upload is aborted, so main keeps nothing of it.
 */
export async function uploadFile(file: File, onProgress: (sent: number, total: number) => void): Promise<string> {
  const { uploadId, chunkBytes } = await call('beginUpload', { fileName: file.name, size: file.size });
  try {
    onProgress(0, file.size);
    for (let offset = 0; offset < file.size; offset += chunkBytes) {
      const bytes = new Uint8Array(await file.slice(offset, offset + chunkBytes).arrayBuffer());
      const { received } = await call('uploadChunk', { uploadId, offset, bytes });
      onProgress(received, file.size);
    }
    await call('finishUpload', { uploadId });
    return uploadId;
  } catch (error) {
    await call('abortUpload', { uploadId }).catch(() => undefined);
    throw error;
  }
}
