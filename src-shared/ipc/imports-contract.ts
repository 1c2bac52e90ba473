/**
 * Imports of folders of images, their reports, and the chunked uploads of files too large for one message.
 */
import { z } from 'zod';
import { type ChannelMap, bytes, id, isoTime, uploadId } from './contract-primitives';
import { UPLOAD_CHUNK_MAX_BYTES, UPLOAD_MAX_BYTES } from './limits';
import { IMPORT_STATUSES } from '../domain/study';

export const rejectedFileSchema = z.object({
  path: z.string(),
  reason: z.string(),
});

export const importSummarySchema = z.object({
  id,
  rootPath: z.string(),
  status: z.enum(IMPORT_STATUSES),
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  filesSeen: z.number().int().nonnegative(),
  added: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
});

export const importReportSchema = importSummarySchema.extend({
  rejectedFiles: z.array(rejectedFileSchema),
});

export const importChannels = {
  'imports.start': {
    request: z.strictObject({ path: z.string().min(1).max(4096) }),
    response: z.object({ jobId: z.string() }),
  },
  'imports.list': {
    request: z.strictObject({ limit: z.number().int().min(1).max(200).default(20) }),
    response: z.object({ imports: z.array(importSummarySchema) }),
  },
  'imports.get': {
    request: z.strictObject({ importId: id }),
    response: importReportSchema,
  },
  'uploads.begin': {
    /** A file too large for one message, sent in order as chunks of at most UPLOAD_CHUNK_MAX_BYTES. */
    request: z.strictObject({ fileName: z.string().min(1).max(260), size: z.number().int().nonnegative().max(UPLOAD_MAX_BYTES) }),
    response: z.object({ uploadId, chunkBytes: z.number().int().positive() }),
  },
  'uploads.chunk': {
    request: z.strictObject({
      uploadId,
      offset: z.number().int().nonnegative().max(UPLOAD_MAX_BYTES),
      bytes: bytes.refine((b) => b.byteLength > 0 && b.byteLength <= UPLOAD_CHUNK_MAX_BYTES, `a chunk holds 1 to ${UPLOAD_CHUNK_MAX_BYTES} bytes`),
    }),
    response: z.object({ received: z.number().int().nonnegative() }),
  },
  'uploads.finish': {
    request: z.strictObject({ uploadId }),
    response: z.object({ uploadId, size: z.number().int().nonnegative() }),
  },
  'uploads.abort': {
    request: z.strictObject({ uploadId }),
    response: z.object({ aborted: z.boolean() }),
  },
} satisfies ChannelMap;

export type RejectedFile = z.output<typeof rejectedFileSchema>;
export type ImportSummary = z.output<typeof importSummarySchema>;
export type ImportReport = z.output<typeof importReportSchema>;
