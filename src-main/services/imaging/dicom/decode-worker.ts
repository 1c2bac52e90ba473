/**
 * Runs in a worker thread: parses and decodes DICOM so a slow, hanging or crashing codec never
 * touches the main event loop. The wasm codecs load once per worker and stay loaded.
 */
import { closeSync, openSync, readFileSync, readSync, statSync, type Stats } from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { startBandHelper } from './band-helper';
import { decodeDicomFrame, decodeOpenedFrame, openDicomImage, renderForModel, summarizeDicom, type OpenedImage } from './dicom-image';
import { DicomError } from './dicom-error';
import { listDicomTags } from './dicom-tags';
import { decodeJ2kBand, setBandHelper } from './j2k';
import type { DecodeOutcome, DecodeReply, DecodeRequest, DecodeTask } from './decode-protocol';

/**
 * The files last opened by path for their frames, parsed, by path, size and modification time: a
 * multi-frame file's frames may come in several requests, and are parsed once. Each holds the
 * buffer its bytes were read into; the one let go hands its buffer to the next file, because a
 * fresh buffer costs a page fault every 4 KB, more than reading the file. Nothing a decode returns
 * points into these buffers (frames are always new arrays), so reusing one changes no result.
 */
interface Kept {
  key: string;
  image: OpenedImage;
  buffer: Uint8Array;
}
const kept: Kept[] = [];
const OPENED_KEPT = 2;
/** Each file's size and modification time, looked at once a request however many of its frames it holds. */
type FileChecks = Map<string, Stats>;

/**
 * Reads the file into `buffer`. Synchronous on purpose: this thread has nothing else to do while
 * it waits, and each asynchronous step would be a round trip through libuv's thread pool, which
 * costs more than reading a small file.
 */
function readInto(file: string, buffer: Uint8Array): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    let done = 0;
    while (done < buffer.length) {
      const bytesRead = readSync(fd, buffer, done, buffer.length - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buffer.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

function openedByPath(file: string, checked: FileChecks): OpenedImage {
  if (!checked.has(file)) checked.set(file, statSync(file));
  const { size, mtimeMs } = checked.get(file)!;
  const key = `${file}\0${size}\0${mtimeMs}`;
  const known = kept.find((entry) => entry.key === key);
  if (known) return known.image;
  const spare = kept.length >= OPENED_KEPT ? kept.shift()!.buffer : null;
  const buffer = spare && spare.length >= size ? spare : new Uint8Array(size);
  const image = openDicomImage(readInto(file, buffer.subarray(0, size)));
  kept.push({ key, image, buffer });
  return image;
}

async function run(request: DecodeTask, checked: FileChecks): Promise<unknown> {
  const { source } = request;
  if (request.op === 'frame' && !(source instanceof Uint8Array)) return decodeOpenedFrame(openedByPath(source.path, checked), request.frame);
  const bytes = source instanceof Uint8Array ? source : readFileSync(source.path);
  switch (request.op) {
    case 'summarize':
      return summarizeDicom(bytes);
    case 'frame':
      return decodeDicomFrame(bytes, request.frame);
    case 'model':
      return renderForModel(bytes);
    case 'tags':
      return listDicomTags(bytes);
    case 'j2k-band':
      return decodeJ2kBand(bytes, request, request.y0, request.y1);
  }
}

// A large JPEG 2000 image is shared with a helper thread when the pool says a core is free; the
// helper itself (started by this worker) decodes only the band it is given.
let coreToSpare = false;
const isBandHelper = (workerData as { bandHelper?: boolean } | null)?.bandHelper === true;
if (!isBandHelper && os.availableParallelism() > 1) {
  const helper = startBandHelper();
  setBandHelper((...band) => (coreToSpare ? helper(...band) : null));
}

/**
 * The pixel buffers of a result, moved to the main thread instead of copied (a radiograph's frame
 * is megabytes). Only arrays that span a buffer of their own: nothing here keeps them.
 */
function transferables(result: unknown): ArrayBuffer[] {
  const found: ArrayBuffer[] = [];
  const visit = (value: unknown, depth: number) => {
    if (value instanceof Uint8Array) {
      if (value.buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength && !found.includes(value.buffer)) found.push(value.buffer);
    } else if (value && typeof value === 'object' && depth < 3 && !Array.isArray(value)) {
      for (const inner of Object.values(value)) visit(inner, depth + 1);
    }
  };
  visit(result, 0);
  return found;
}

function describe(error: unknown): string {
  if (error instanceof DicomError) return error.message;
  // Codec failures surface as RangeErrors, wasm traps or thrown numbers; none carries patient data.
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `the decoder failed (${text.slice(0, 200)})`;
}

async function outcome(task: DecodeTask, checked: FileChecks): Promise<DecodeOutcome> {
  try {
    return { ok: true, result: await run(task, checked) };
  } catch (error) {
    return { ok: false, error: describe(error) };
  }
}

// The pool sends one request at a time; chained all the same, so two could never interleave.
let previous: Promise<void> = Promise.resolve();
parentPort!.on('message', (request: DecodeRequest) => {
  previous = previous.then(async () => {
    const checked: FileChecks = new Map();
    coreToSpare = request.coreToSpare === true;
    for (const [index, task] of request.tasks.entries()) {
      const done = await outcome(task, checked);
      parentPort!.postMessage({ id: request.id, index, outcome: done } satisfies DecodeReply, done.ok ? transferables(done.result) : []);
    }
  });
});

parentPort!.postMessage('ready');
