/**
 * Runs in a worker thread: parses and decodes DICOM so a slow, hanging or crashing codec never
 * touches the main event loop. The wasm codecs load once per worker and stay loaded.
 */
import { parentPort } from 'node:worker_threads';
import { decodeDicomFrame, renderForModel, summarizeDicom } from './dicom-image';
import { DicomError } from './dicom-error';
import { listDicomTags } from './dicom-tags';
import type { DecodeRequest, DecodeReply } from './decode-protocol';

async function run(request: DecodeRequest): Promise<unknown> {
  switch (request.op) {
    case 'summarize':
      return summarizeDicom(request.bytes);
    case 'frame':
      return decodeDicomFrame(request.bytes, request.frame);
    case 'model':
      return renderForModel(request.bytes);
    case 'tags':
      return listDicomTags(request.bytes);
  }
}

function describe(error: unknown): string {
  if (error instanceof DicomError) return error.message;
  // Codec failures surface as RangeErrors, wasm traps or thrown numbers; none carries patient data.
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `the decoder failed (${text.slice(0, 200)})`;
}

parentPort!.on('message', (request: DecodeRequest) => {
  run(request).then(
    (result) => parentPort!.postMessage({ id: request.id, ok: true, result } satisfies DecodeReply),
    (error: unknown) => parentPort!.postMessage({ id: request.id, ok: false, error: describe(error) } satisfies DecodeReply),
  );
});
