/**
 * The one IPC contract: every channel's request and response, and every event's payload, as
 * runtime schemas. Both adapters validate requests against these where they enter main.
 * Each domain keeps its schemas and channels in its own file; this one puts them together.
 */
import type { z } from 'zod';
import type { Channel, EventName } from './channels';
import { appChannels } from './app-contract';
import { archiveChannels, archiveEventSchemas } from './archive-contract';
import { dicomNodeChannels, studiesArrivedSchema } from './dicom-node-contract';
import { importChannels } from './imports-contract';
import { jobChannels, jobFinishedSchema, jobProgressSchema } from './jobs-contract';
import { modelChannels } from './models-contract';
import { pneumoniaProgressSchema, pneumoniaTrainingChannels } from './pneumonia-training-contract';
import { resultsChannels } from './results-contract';
import { studyChannels } from './studies-contract';
import { trainingChannels, trainingProgressSchema } from './training-contract';
import type { ChannelSchemas } from './contract-primitives';

export { BACKEND_NAMES } from '../domain/backends';
export * from './app-contract';
export * from './imports-contract';
export * from './jobs-contract';
export * from './models-contract';
export * from './pneumonia-training-contract';
export * from './studies-contract';
export * from './training-contract';

export const contract = {
  ...appChannels,
  ...studyChannels,
  ...importChannels,
  ...jobChannels,
  ...modelChannels,
  ...trainingChannels,
  ...pneumoniaTrainingChannels,
  ...dicomNodeChannels,
  ...archiveChannels,
  ...resultsChannels,
} satisfies Record<Channel, ChannelSchemas>;

export const eventSchemas = {
  'job.progress': jobProgressSchema,
  'job.finished': jobFinishedSchema,
  'training.progress': trainingProgressSchema,
  'pneumonia.progress': pneumoniaProgressSchema,
  /** DICOM instances were stored by the DICOM node: the worklist can refresh. Scores follow as scoring jobs finish. */
  'studies.arrived': studiesArrivedSchema,
  ...archiveEventSchemas,
} satisfies Record<EventName, z.ZodType>;

/** What a caller sends (defaults may be omitted). */
export type RequestOf<C extends Channel> = z.input<(typeof contract)[C]['request']>;
/** What a handler receives, after validation filled in defaults. */
export type ParsedRequestOf<C extends Channel> = z.output<(typeof contract)[C]['request']>;
export type ResponseOf<C extends Channel> = z.output<(typeof contract)[C]['response']>;
export type EventPayloadOf<E extends EventName> = z.output<(typeof eventSchemas)[E]>;

export type AppEvent = { [E in EventName]: { name: E; payload: EventPayloadOf<E> } }[EventName];

