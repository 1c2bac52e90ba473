import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './worker-protocol';

/**
 * Where the worker's code is: beside this module when running from source (through tsx), or
 * the bundle `compute-worker.js` the build puts beside the main bundles.
 */
function createWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // Source (tests, CLI): load the TypeScript worker through tsx's loader, registered in the worker's own thread.
    const entry = new URL('./compute-worker.ts', here).href;
    return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`, { eval: true });
  }
  for (const candidate of ['./compute-worker.js', '../compute-worker.js']) {
    const file = new URL(candidate, here);
    if (existsSync(fileURLToPath(file))) return new Worker(file);
  }
  throw new Error('The compute worker bundle (compute-worker.js) is missing from the build.');
}

export interface ComputeWorker {
  send(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): void;
  /** Resolves when the worker has exited (on its own, by crash, or terminated). */
  readonly exited: Promise<number>;
  terminate(): Promise<void>;
}

/** `bundle`: a built compute-worker.js to run instead of the one found beside this module (benchmarks measure the built app's). */
export function startComputeWorker(bundle?: string): ComputeWorker {
  const worker = bundle ? new Worker(bundle) : createWorker();
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  return {
    send: (message) => worker.postMessage(message),
    onMessage: (listener) => {
      worker.on('message', listener);
      worker.on('error', (error) => listener({ type: 'error', message: error.message, userFacing: false }));
    },
    exited,
    terminate: async () => {
      await worker.terminate();
    },
  };
}
