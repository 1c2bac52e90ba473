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

export type DecodeRequest = DecodeTask & { id: number };

export type DecodeReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
