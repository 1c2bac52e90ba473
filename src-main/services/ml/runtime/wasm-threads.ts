import { createRequire } from 'node:module';
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { loadWasmBackend, tf } from '../tfjs';

/**
 * tfjs-backend-wasm ships a multi-threaded SIMD build (XNNPACK over a pthread pool) but never
 * uses it in Node: its feature check answers "no" there (tfjs issue #3830), and its loader hands
 * the pthread workers a Blob URL, which Node's Worker cannot open. Emscripten's glue itself runs
 * under Node (it uses worker_threads), so three things make the threaded build start:
 *  - the feature flag set to true;
 *  - the worker script given as a `data:` URL whose code is the package's own pthread worker,
 *    told to load the package's own glue from its file instead of from the Blob;
 *  - the core count it sees while starting: the backend uses half the logical cores (it assumes
 *    two hyper-threads a core), which on a 2-vCPU machine means one thread.
 * Convolutions (most of a training step) then run on `threads` threads. The glue also starts a
 * fixed pool of 8 pthread workers, each a Node worker that loads the glue and the module, whatever
 * the thread count: about a second of every compute worker's start on 2 cores. The pool is cut to
 * `threads` workers (see poolOf).
 */

const localRequire = createRequire(import.meta.url);

/** The code each pthread worker runs: the stock worker, with the glue read from its file. */
function pthreadWorkerUrl(): URL {
  const stockWorker = localRequire.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');
  const glue = localRequire.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  // The package stores the worker as a string whose "\n" escapes were unescaped; re-escape as tfjs does.
  const workerSource = (localRequire(stockWorker) as { wasmWorkerContents: string }).wasmWorkerContents.replace(/\n/g, '\\n');
  const source = [
    `import { createRequire } from 'node:module';`,
    `const require = createRequire(${JSON.stringify(stockWorker)});`,
    `new Function('require', '__filename', ${JSON.stringify(workerSource)})(require, ${JSON.stringify(stockWorker)});`,
    `const handle = globalThis.onmessage;`,
    `globalThis.onmessage = (event) => {`,
    `  if (event.data && event.data.cmd === 'load') event.data.urlOrBlob = ${JSON.stringify(glue)};`,
    `  handle(event);`,
    `};`,
  ].join('\n');
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

/**
 * While `run` starts the backend, the glue's pthread pool gets `size` workers instead of its fixed
 * 8. The glue stores its PThread object on its module object (a plain object tfjs makes), so a
 * setter on Object.prototype, there only meanwhile, sees it before the pool is made and replaces the
 * function that makes it. A thread asked for beyond the pool still gets a worker made on demand.
 */
async function poolOf<T>(size: number, run: () => Promise<T>): Promise<T> {
  const property = 'PThread';
  Object.defineProperty(Object.prototype, property, {
    configurable: true,
    set(this: object, pthread: { initMainThread?: () => void; allocateUnusedWorker?: () => void }) {
      if (typeof pthread?.allocateUnusedWorker === 'function') {
        pthread.initMainThread = () => {
          for (let i = 0; i < size; i++) pthread.allocateUnusedWorker!();
        };
      }
      Object.defineProperty(this, property, { value: pthread, writable: true, configurable: true, enumerable: true });
    },
  });
  try {
    return await run();
  } finally {
    delete (Object.prototype as Record<string, unknown>)[property];
  }
}

/**
 * Starts the wasm backend on `threads` threads. Must run before anything else initialises the
 * wasm backend. Returns the thread count the backend reports (1 when threads are not available).
 */
export async function startThreadedWasm(threads: number, timeoutMs = 30_000): Promise<number> {
  const wasm = loadWasmBackend();
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  let workerUrl: URL | undefined;
  URL.createObjectURL = (blob: Blob) =>
    // Only the pthread worker script is a JavaScript Blob here (asked for once per pool worker); anything else is left alone.
    (blob.type === 'application/javascript' ? (workerUrl ??= pthreadWorkerUrl()) : createObjectURL(blob)) as unknown as string;
  os.cpus = () => Array.from({ length: 2 * threads }, () => cpus()[0]!);
  try {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`its threads did not start within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    const started = await poolOf(threads, () => Promise.race([tf.setBackend('wasm'), timedOut])).finally(() => clearTimeout(timer));
    if (!started) throw new Error('the threaded wasm backend did not initialise');
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
  }
  // The pool's threads wait for work forever; they must not keep a finished process (a CLI run,
  // a benchmark) alive, so none of them holds the event loop open.
  const pthreads = (tf.backend() as unknown as { wasm?: { PThread?: { runningWorkers: Worker[]; unusedWorkers: Worker[] } } }).wasm?.PThread;
  for (const worker of [...(pthreads?.runningWorkers ?? []), ...(pthreads?.unusedWorkers ?? [])]) worker.unref();
  return wasm.getThreadsCount();
}
