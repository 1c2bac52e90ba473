/**
 * The compute worker: a worker thread that owns TensorFlow.js, so training never blocks the
 * main process. It picks a backend, loads the data, trains, and reports through messages.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { CifarImportError, importCifar10 } from '../cifar/cifar-import';
import { trainCifar, type ResumeState } from '../training/cifar-trainer';
import { selectBackend } from './backend-select';
import type { FromWorker, ToWorker } from './worker-protocol';

if (!parentPort) throw new Error('compute-worker must run as a worker thread.');
const port = parentPort;
const send = (message: FromWorker) => port.postMessage(message);

let state: 'running' | 'paused' | 'stopping' = 'running';
let wake: (() => void) | null = null;

async function gate(): Promise<'go' | 'stop'> {
  // Training chains only promises that resolve at once, so without this turn of the event loop
  // a pause or stop message would not be read until the run ended.
  await new Promise((resolve) => setImmediate(resolve));
  if (state === 'stopping') return 'stop';
  if (state === 'running') return 'go';
  return new Promise((resolve) => {
    wake = () => resolve(state === 'stopping' ? 'stop' : 'go');
  });
}

function setState(next: typeof state): void {
  state = next;
  if (next !== 'paused' && wake) {
    const w = wake;
    wake = null;
    w();
  }
}

async function train(message: Extract<ToWorker, { type: 'train' }>): Promise<void> {
  send({ type: 'backend', report: await selectBackend(message.config.backend) });
  const dataset = await importCifar10(message.config.datasetPath, message.cacheDir, (text, done, total) =>
    send({ type: 'phase', phase: 'preparing', message: text, done, total }),
  );
  const metadataFile = path.join(message.lastDir, 'metadata.json');
  const resume =
    message.resume && existsSync(metadataFile) ? (JSON.parse(readFileSync(metadataFile, 'utf8')) as { resume: ResumeState }).resume : null;
  const result = await trainCifar(
    dataset,
    message.config,
    { lastDir: message.lastDir, bestDir: message.bestDir },
    {
      onBatch: (epoch, batch, batches, loss, accuracy, learningRate, etaSeconds) =>
        send({ type: 'batch', epoch, batch, batches, loss, accuracy, learningRate, etaSeconds }),
      onEpoch: (record) => send({ type: 'epoch', record }),
      checkpointGate: gate,
    },
    resume,
  );
  send({ type: 'done', ...result });
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'probe':
      selectBackend(message.backend).then(
        (report) => send({ type: 'backend', report }),
        (error: unknown) => send({ type: 'error', message: String(error), userFacing: false }),
      );
      break;
    case 'train':
      train(message).catch((error: unknown) => {
        const userFacing = error instanceof CifarImportError;
        send({ type: 'error', message: error instanceof Error ? error.message : String(error), userFacing });
      });
      break;
    case 'pause':
      setState('paused');
      break;
    case 'resume':
      setState('running');
      break;
    case 'stop':
      setState('stopping');
      break;
  }
});
