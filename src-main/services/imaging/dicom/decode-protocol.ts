/** Messages between the decode pool and its workers. */
export type DecodeTask = { bytes: Uint8Array } & (
  | { op: 'summarize' }
  | { op: 'frame'; frame: number }
  | { op: 'model' }
  | { op: 'tags' }
);

export type DecodeRequest = DecodeTask & { id: number };

export type DecodeReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
