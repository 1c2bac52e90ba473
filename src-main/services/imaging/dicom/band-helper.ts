import { Worker } from 'node:worker_threads';
import type { DecodeReply, DecodeRequest } from './decode-protocol';
import { workerEntry } from './decode-worker-entry';
import type { BandHelper, J2kBand } from './j2k';

type Waiting = { resolve: (band: J2kBand) => void; reject: (error: Error) => void };

/**
 * A decode worker's helper for large JPEG 2000 images: a second decode worker, owned by this one,
 * that decodes the lower band of rows while this one decodes the upper (j2k.ts). Started when first
 * wanted and used once it is ready (until then a frame is decoded whole, here); if it fails, bands
 * are decoded here. It dies with its owner, so the pool's time limit covers both.
 */
export function startBandHelper(): BandHelper {
  let worker: Worker | null = null;
  let ready = false;
  let broken = false;
  let nextId = 1;
  const waiting = new Map<number, Waiting>();

  const fail = (error: Error) => {
    broken = true;
    for (const entry of waiting.values()) entry.reject(error);
    waiting.clear();
  };
  const start = () => {
    worker = new Worker(workerEntry(), { workerData: { bandHelper: true }, stdout: true, stderr: true });
    worker.stdout.resume();
    worker.stderr.resume();
    worker.unref();
    worker.on('message', (reply: DecodeReply | 'ready') => {
      if (reply === 'ready') {
        ready = true;
        return;
      }
      const entry = waiting.get(reply.id);
      waiting.delete(reply.id);
      if (reply.outcome.ok) entry?.resolve(reply.outcome.result as J2kBand);
      else entry?.reject(new Error(reply.outcome.error));
    });
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('the band helper stopped')));
  };

  return (data, size, y0, y1) => {
    if (broken) return null;
    if (!worker) start();
    if (!ready) return null;
    const id = nextId++;
    return new Promise<J2kBand>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker!.postMessage({ id, tasks: [{ op: 'j2k-band', source: data, width: size.width, height: size.height, y0, y1 }] } satisfies DecodeRequest);
    });
  };
}
