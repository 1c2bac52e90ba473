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
);

/** One message to a worker: tasks it runs in order (several frames of one file go together). */
export interface DecodeRequest {
  id: number;
  tasks: DecodeTask[];
}

export type DecodeOutcome = { ok: true; result: unknown } | { ok: false; error: string };

/** The outcome of each task of the request, in the same order. */
export interface DecodeReply {
  id: number;
  outcomes: DecodeOutcome[];
}
