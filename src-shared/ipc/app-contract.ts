/**
 * The application itself: its facts, the folder picker, settings and the audit log.
 */
import { z } from 'zod';
import { type ChannelMap, csvExport, empty, id, isoTime } from './contract-primitives';

export const auditEntrySchema = z.object({
  id,
  at: isoTime,
  actor: z.string(),
  action: z.string(),
  entityType: z.string().nullable(),
  entityId: z.string().nullable(),
  details: z.unknown(),
});

export const settingsSchema = z.object({
  /** A study waiting longer than this rises to the top of the worklist, whatever its score. */
  agingLimitMinutes: z.number().int().min(5).max(7 * 24 * 60),
});

export const appChannels = {
  'app.info': {
    request: empty,
    response: z.object({
      name: z.string(),
      version: z.string(),
      adapter: z.enum(['electron', 'browser-host']),
      dataDir: z.string(),
      studyCount: z.number().int().nonnegative(),
      capabilities: z.object({ nativeFolderPicker: z.boolean() }),
    }),
  },
  'dialogs.pickFolder': {
    request: z.strictObject({ title: z.string().max(200).optional() }),
    response: z.object({ path: z.string().nullable() }),
  },
  'settings.get': {
    request: empty,
    response: settingsSchema,
  },
  'settings.update': {
    request: settingsSchema.partial().strict(),
    response: settingsSchema,
  },
  'audit.list': {
    request: z.strictObject({
      action: z.string().max(100).optional(),
      from: z.string().max(40).optional(),
      to: z.string().max(40).optional(),
      limit: z.number().int().min(1).max(5000).default(500),
    }),
    response: z.object({ entries: z.array(auditEntrySchema), actions: z.array(z.string()) }),
  },
  'audit.exportCsv': {
    request: z.strictObject({ identified: z.boolean().default(false) }),
    response: csvExport,
  },
} satisfies ChannelMap;

export type AuditEntryData = z.output<typeof auditEntrySchema>;
export type Settings = z.output<typeof settingsSchema>;
