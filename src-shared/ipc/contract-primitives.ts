/**
 * Small schemas every part of the IPC contract shares.
 */
import { z } from 'zod';
import type { Channel } from './channels';

export const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const isoTime = z.string().min(1);
export const bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'expected binary data');
export const empty = z.strictObject({});
export const uploadId = z.string().uuid();
export const csvExport = z.object({ fileName: z.string(), csv: z.string(), rows: z.number().int().nonnegative() });

/** What every channel declares: its request and its response. */
export type ChannelSchemas = { request: z.ZodType; response: z.ZodType };
/** A domain's channels, checked against the channel list. */
export type ChannelMap = Partial<Record<Channel, ChannelSchemas>>;
