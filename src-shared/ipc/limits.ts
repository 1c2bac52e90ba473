/** Limits both sides of the contract need; free of schema code so the renderer bundles no zod. */

/** Thumbnails per request: a few screens of worklist rows, so one message stays small. */
export const THUMBNAIL_BATCH_MAX = 200;

/** One upload chunk: its base64 on the host's socket stays well under the socket's 1 MiB message limit. */
export const UPLOAD_CHUNK_MAX_BYTES = 512 * 1024;
/** The largest file a chunked upload accepts. */
export const UPLOAD_MAX_BYTES = 2 * 1024 * 1024 * 1024;
