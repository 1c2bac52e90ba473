/**
 * Background jobs (imports, training, scoring, activation): their progress and end events, and cancelling one.
 */
import { z } from 'zod';
import { type ChannelMap } from './contract-primitives';
import { importReportSchema } from './imports-contract';

const jobKind = z.enum(['import', 'training', 'scoring', 'pneumonia-training', 'activation']);

export const jobProgressSchema = z.object({
  jobId: z.string(),
  kind: jobKind,
  /** A scoring job's "heatmaps" phase follows its scores: every study it took on has its score by then. */
  phase: z.enum(['scanning', 'importing', 'preparing', 'training', 'evaluating', 'scoring', 'heatmaps']),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative().nullable(),
  message: z.string(),
});

export const jobFinishedSchema = z.object({
  jobId: z.string(),
  kind: jobKind,
  status: z.enum(['completed', 'cancelled', 'failed']),
  error: z.string().nullable(),
  importReport: importReportSchema.nullable(),
});

export const jobChannels = {
  'jobs.cancel': {
    request: z.strictObject({ jobId: z.string().min(1).max(100) }),
    response: z.object({ cancelled: z.boolean() }),
  },
} satisfies ChannelMap;

export type JobProgress = z.output<typeof jobProgressSchema>;
export type JobFinished = z.output<typeof jobFinishedSchema>;
