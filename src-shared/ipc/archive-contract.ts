/**
 * Query/retrieve from a remote archive: the archives (DIMSE or DICOMweb) and the poll setting,
 * persisted and validated here for both the request path and the stored value; the study query,
 * its matches, and the retrieve with its per-study progress.
 */
import { z } from 'zod';
import { aeTitleSchema, hostSchema, portSchema } from './dicom-node-contract';

/** A name the user picks for an archive; the key for query, retrieve and polling. */
export const archiveNameSchema = z
  .string()
  .transform((value) => value.trim())
  .pipe(z.string().min(1, 'an archive needs a name').max(64, 'an archive name has at most 64 characters').regex(/^[^\x00-\x1f\x7f]+$/, 'an archive name holds no control characters'));

export const DIMSE_RETRIEVE_METHODS = ['c-move', 'c-get'] as const;

export const dimseArchiveSchema = z.strictObject({
  kind: z.literal('dimse'),
  name: archiveNameSchema,
  aeTitle: aeTitleSchema,
  host: hostSchema,
  port: portSchema,
  /** C-MOVE (the archive opens an association to this node's listener) or C-GET (instances come back on ours). */
  retrieve: z.enum(DIMSE_RETRIEVE_METHODS),
});

/** http(s) only: the base URL of the archive's DICOMweb services, e.g. http://pacs:8042/dicom-web. */
export const dicomWebUrlSchema = z
  .string()
  .trim()
  .pipe(z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }))
  .transform((value) => value.replace(/\/+$/, ''));

export const dicomWebArchiveSchema = z.strictObject({
  kind: z.literal('dicomweb'),
  name: archiveNameSchema,
  baseUrl: dicomWebUrlSchema,
});

export const remoteArchiveSchema = z.discriminatedUnion('kind', [dimseArchiveSchema, dicomWebArchiveSchema]);

export const MAX_ARCHIVES = 20;

export const archivePollSchema = z.strictObject({
  /** The archive polled, by name; null: polling is off. */
  archive: archiveNameSchema.nullable(),
  everyMinutes: z.number().int('whole minutes').min(1, 'at least every minute').max(24 * 60, 'at most once a day'),
  lookBackHours: z.number().int('whole hours').min(1, 'at least 1 hour').max(24 * 14, 'at most 14 days'),
});

export const archiveSettingsSchema = z
  .strictObject({
    archives: z.array(remoteArchiveSchema).max(MAX_ARCHIVES),
    poll: archivePollSchema,
  })
  .superRefine((settings, context) => {
    const seen = new Set<string>();
    settings.archives.forEach((archive, index) => {
      if (seen.has(archive.name)) context.addIssue({ code: 'custom', path: ['archives', index, 'name'], message: 'another archive has this name' });
      seen.add(archive.name);
    });
    if (settings.poll.archive !== null && !seen.has(settings.poll.archive)) {
      context.addIssue({ code: 'custom', path: ['poll', 'archive'], message: 'no archive has this name' });
    }
  });

export const DEFAULT_ARCHIVE_SETTINGS: ArchiveSettings = {
  archives: [],
  poll: { archive: null, everyMinutes: 10, lookBackHours: 24 },
};

const isoDate = z.iso.date({ error: 'expected a date as YYYY-MM-DD' });
/** DICOM PN/LO search text; `*` and `?` are wildcards as in C-FIND. Backslash would split values. */
const searchText = z
  .string()
  .trim()
  .max(64, 'at most 64 characters')
  .regex(/^[^\\\x00-\x1f]*$/, 'no backslash or control characters')
  .optional();

export const QUERY_MODALITIES = ['CR', 'DX'] as const;

export const studyQuerySchema = z
  .strictObject({
    archive: archiveNameSchema,
    dateFrom: isoDate.optional(),
    dateTo: isoDate.optional(),
    modalities: z.array(z.enum(QUERY_MODALITIES)).min(1, 'choose CR, DX or both').default(['CR', 'DX']),
    patientId: searchText,
    patientName: searchText,
    accessionNumber: searchText,
  })
  .refine((query) => !query.dateFrom || !query.dateTo || query.dateFrom <= query.dateTo, { path: ['dateTo'], message: 'the end date is before the start date' });

export const studyMatchSchema = z.object({
  studyInstanceUid: z.string(),
  /** Identifying: shown in the dialog (hidden in privacy mode), never logged. */
  patientId: z.string().nullable(),
  patientName: z.string().nullable(),
  /** YYYY-MM-DD, or null when the archive has none. */
  studyDate: z.string().nullable(),
  accessionNumber: z.string().nullable(),
  description: z.string().nullable(),
  modalities: z.array(z.string()),
  instances: z.number().int().nonnegative().nullable(),
  /** Already in this app's worklist (some or all of its images). */
  alreadyHere: z.boolean(),
});

export const RETRIEVE_STATES = ['waiting', 'retrieving', 'importing', 'done', 'failed', 'cancelled'] as const;

export const studyRetrieveProgressSchema = z.object({
  studyInstanceUid: z.string(),
  state: z.enum(RETRIEVE_STATES),
  /** Instances received so far, and how many the archive said it would send (null until known). */
  received: z.number().int().nonnegative(),
  total: z.number().int().nonnegative().nullable(),
  /** New to this app, and already here (a retrieve of a study already retrieved adds nothing). */
  added: z.number().int().nonnegative(),
  alreadyStored: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  error: z.string().nullable(),
});

export const retrieveProgressSchema = z.object({
  retrieveId: z.string(),
  archive: z.string(),
  finished: z.boolean(),
  studies: z.array(studyRetrieveProgressSchema),
});

const uid = z.string().regex(/^[0-9]+(\.[0-9]+)*$/, 'expected a DICOM UID').max(64);

export const archiveChannels = {
  'archive.settings.get': {
    request: z.strictObject({}),
    response: archiveSettingsSchema,
  },
  'archive.settings.update': {
    request: z.strictObject({ archives: z.array(remoteArchiveSchema).max(MAX_ARCHIVES).optional(), poll: archivePollSchema.optional() }),
    response: archiveSettingsSchema,
  },
  'archive.echo': {
    /** C-ECHO to a DIMSE archive, or a QIDO-RS request to a DICOMweb one: proves address and configuration. */
    request: z.strictObject({ archive: remoteArchiveSchema }),
    response: z.object({ roundTripMs: z.number().nonnegative() }),
  },
  'archive.query': {
    request: studyQuerySchema,
    response: z.object({ studies: z.array(studyMatchSchema), truncated: z.boolean() }),
  },
  'archive.retrieve': {
    /** Starts retrieving; progress comes as `archive.retrieveProgress` events. */
    request: z.strictObject({ archive: archiveNameSchema, studyInstanceUids: z.array(uid).min(1, 'choose at least one study').max(500) }),
    response: z.object({ retrieveId: z.string() }),
  },
  'archive.cancelRetrieve': {
    request: z.strictObject({ retrieveId: z.string() }),
    response: z.object({ cancelled: z.boolean() }),
  },
} as const;

export const archiveEventSchemas = {
  'archive.retrieveProgress': retrieveProgressSchema,
} as const;

export type RemoteArchive = z.output<typeof remoteArchiveSchema>;
export type DimseArchive = z.output<typeof dimseArchiveSchema>;
export type DicomWebArchive = z.output<typeof dicomWebArchiveSchema>;
export type ArchiveSettings = z.output<typeof archiveSettingsSchema>;
export type ArchivePoll = z.output<typeof archivePollSchema>;
export type StudyQuery = z.output<typeof studyQuerySchema>;
export type StudyQueryInput = z.input<typeof studyQuerySchema>;
export type StudyMatch = z.output<typeof studyMatchSchema>;
export type StudyRetrieveProgress = z.output<typeof studyRetrieveProgressSchema>;
export type RetrieveProgress = z.output<typeof retrieveProgressSchema>;
