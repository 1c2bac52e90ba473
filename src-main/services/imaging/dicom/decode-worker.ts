/**
 * Runs in a worker thread: parses and decodes DICOM so a slow, hanging or crashing codec never
 * touches the main event loop. The wasm codecs load once per worker and stay loaded.
 */
import { readFile, stat } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { decodeDicomFrame, decodeOpenedFrame, openDicomImage, renderForModel, summarizeDicom, type OpenedImage } from './dicom-image';
import { DicomError } from './dicom-error';
import { listDicomTags } from './dicom-tags';
import type { DecodeRequest, DecodeReply } from './decode-protocol';

/**
 * The files last opened by path for their frames, parsed, by path, size and modification time: a
 * multi-frame file's frames come one request each, and are parsed once.
 */
const opened = new Map<string, OpenedImage>();
const OPENED_KEPT = 2;

async function openedByPath(file: string): Promise<OpenedImage> {
  const { size, mtimeMs } = await stat(file);
  const key = `${file}\0${size}\0${mtimeMs}`;
  const known = opened.get(key);
  if (known) return known;
  const image = openDicomImage(await readFile(file));
  opened.set(key, image);
  for (const old of opened.keys()) if (opened.size > OPENED_KEPT) opened.delete(old);
  return image;
}

async function run(request: DecodeRequest): Promise<unknown> {
  const { source } = request;
  if (request.op === 'frame' && !(source instanceof Uint8Array)) return decodeOpenedFrame(await openedByPath(source.path), request.frame);
  const bytes = source instanceof Uint8Array ? source : await readFile(source.path);
  switch (request.op) {
    case 'summarize':
      return summarizeDicom(bytes);
    case 'frame':
      return decodeDicomFrame(bytes, request.frame);
    case 'model':
      return renderForModel(bytes);
    case 'tags':
      return listDicomTags(bytes);
  }
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

parentPort!.on('message', (request: DecodeRequest) => {
  run(request).then(
    (result) => parentPort!.postMessage({ id: request.id, ok: true, result } satisfies DecodeReply, transferables(result)),
    (error: unknown) => parentPort!.postMessage({ id: request.id, ok: false, error: describe(error) } satisfies DecodeReply),
  );
});
