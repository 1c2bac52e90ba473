/**
 * Results as DICOM: where Structured Reports go (destinations, auto-send, the organisation's UID
 * root), the outbound queue the UI shows, and the "send this study's result" request.
 */
import { z } from 'zod';
import { dicomPeerSchema } from './dicom-node-contract';

/**
 * The organisation's UID root (PS3.5 9.1: digits and dots, no leading zeros in a component), short
 * enough to leave room for the suffix that makes each UID unique within 64 characters.
 */
export const orgUidRootSchema = z
  .string()
  .trim()
  .max(32, 'a UID root has at most 32 characters (the rest of the 64 is needed for the unique part)')
  .regex(/^(0|[1-9]\d*)(\.(0|[1-9]\d*))+$/, 'a UID root is numbers separated by dots, without leading zeros, e.g. 1.2.826.0.1.3680043.10.1234');

export const MAX_RESULT_DESTINATIONS = 8;

export const resultSettingsSchema = z.strictObject({
  /** Every result is sent to each of these (an archive, a second PACS). */
  destinations: z.array(dicomPeerSchema).max(MAX_RESULT_DESTINATIONS, `at most ${MAX_RESULT_DESTINATIONS} destinations`),
  /** On: studies that arrived over DICOM get their result sent once scored; off: only on request from the viewer. */
  autoSend: z.boolean(),
  /**
   * Also send, beside each report that states a score, a Secondary Capture of each scored image with
   * its heatmap and score burned in (absent in settings saved before it existed: off).
   */
  includeSecondaryCapture: z.boolean().default(false),
  /** Null: UIDs under 2.25 (derived from a random UUID, PS3.5 B.2), which need no registered root. */
  orgUidRoot: orgUidRootSchema.nullable(),
});

export const DEFAULT_RESULT_SETTINGS: ResultSettings = { destinations: [], autoSend: false, includeSecondaryCapture: false, orgUidRoot: null };

export const OUTBOX_STATES = ['pending', 'sending', 'sent', 'failed'] as const;

export const outboxEntrySchema = z.object({
  id: z.number().int().positive(),
  studyId: z.number().int().positive(),
  /** The result document's own number (1 for the first SR of a study, 2 for the one that supersedes it, ...). */
  revision: z.number().int().positive(),
  /** The Structured Report, or a Secondary Capture of a scored image. */
  document: z.enum(['sr', 'sc']),
  /** AE@host:port */
  destination: z.string(),
  state: z.enum(OUTBOX_STATES),
  attempts: z.number().int().nonnegative(),
  /** When a pending entry is tried next (back-off after a failure). */
  nextAttemptAt: z.string().nullable(),
  /** The DICOM status of the last answer, as 4 hex digits (0000 success); null when no answer came. */
  dicomStatus: z.string().nullable(),
  /** Why the last attempt failed, in words; null after success. */
  lastError: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});

export const outboxListSchema = z.object({
  entries: z.array(outboxEntrySchema),
  counts: z.object({ pending: z.number().int(), sending: z.number().int(), sent: z.number().int(), failed: z.number().int() }),
});

export type ResultSettings = z.output<typeof resultSettingsSchema>;
export type OutboxEntry = z.output<typeof outboxEntrySchema>;
export type OutboxList = z.output<typeof outboxListSchema>;

const empty = z.strictObject({});
const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const resultsChannels = {
  'results.settings.get': { request: empty, response: resultSettingsSchema },
  'results.settings.update': { request: resultSettingsSchema.partial(), response: resultSettingsSchema },
  /** Newest first. */
  'results.outbox.list': { request: z.strictObject({ limit: z.number().int().min(1).max(1000).optional() }), response: outboxListSchema },
  /** Tries a pending or failed entry now (its back-off is dropped); none given: every pending and failed one. */
  'results.outbox.retry': { request: z.strictObject({ id: id.optional() }), response: z.object({ retried: z.number().int() }) },
  /**
   * Builds the study's result (or reuses the current one when nothing changed) and queues it for every
   * destination. Refused, with the reason, for a study that is not DICOM or has no score from the active version.
   */
  'results.send': { request: z.strictObject({ studyId: id }), response: z.object({ queued: z.number().int(), revision: z.number().int().positive() }) },
} as const;
