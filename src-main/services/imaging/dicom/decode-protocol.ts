/**
 * What a decode works on: the file's bytes (copied to the worker), or its path, which the worker
 * reads itself, so the bytes never pass through the main thread.
 */
export type DecodeSource = Uint8Array | { path: string };

/** Messages between the decode pool and its workers. */
export type DecodeTask = { source: DecodeSource } & (
  | { op: 'summarize' }
  | { op: 'frame'; frame: number }
  | { op: 'model' }
  | { op: 'tags' }
  /** Rows [y0, y1) of a JPEG 2000 codestream (the source), for the worker that asked (j2k.ts). */
  | { op: 'j2k-band'; width: number; height: number; y0: number; y1: number }
);

/** One message to a worker: tasks it runs in order (frames of one file, or several small files). */
export interface DecodeRequest {
  id: number;
  tasks: DecodeTask[];
  /** Nothing else is decoding or waiting: a large image may take a second core (j2k.ts). */
  coreToSpare?: boolean;
}

export type DecodeOutcome = { ok: true; result: unknown } | { ok: false; error: string };

/**
 * The outcome of one task of a request, sent as soon as it is done: the caller has it at once, and
 * when a worker hangs or dies the pool knows which task it was on and which never started.
 */
export interface DecodeReply {
  id: number;
  index: number;
  outcome: DecodeOutcome;
}
