/**
 * The compute worker: a worker thread that owns TensorFlow.js, so training never blocks the
 * main process. It picks a backend, loads the data, trains, and reports through messages.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { CifarImportError, importCifar10 } from '../cifar/cifar-import';
import { trainCifar, type ResumeState } from '../training/cifar-trainer';
import { evaluatePneumoniaModel } from '../pneumonia/evaluate-pneumonia';
import { PneumoniaDataError } from '../pneumonia/pneumonia-data-error';
import { PneumoniaModelFileError } from '../pneumonia/pneumonia-model-files';
import { selfTestModel } from '../pneumonia/model-self-test';
import { runPneumoniaTraining } from '../pneumonia/run-pneumonia-training';
import { selectBackend } from './backend-select';
import { ScoringQueue } from './scoring-queue';
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
    { lastDir: message.lastDir, bestDir: message.bestDir, restoreDir: path.join(path.dirname(message.lastDir), 'lowest-val-loss') },
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

async function trainPneumoniaModel(message: Extract<ToWorker, { type: 'pneumonia-train' }>): Promise<void> {
  send({ type: 'backend', report: await selectBackend(message.config.backend) });
  const { config } = message;
  const epochsOf = (phase: 1 | 2) => (phase === 1 ? config.phase1.epochs : config.phase2.epochs);
  const result = await runPneumoniaTraining(
    { config, data: message.data, outDir: message.outDir, baseModelDir: message.baseModelDir, ...(message.population ? { population: message.population } : {}) },
    {
      onPhase: (stage, text, done, total) => send({ type: 'phase', phase: stage === 'evaluating' ? 'evaluating' : 'preparing', message: text, done, total }),
      onBatch: (phase, epoch, batch, batches, loss) => send({ type: 'pneumonia-batch', phase, epoch, epochs: epochsOf(phase), batch, batches, loss }),
      onEpoch: (record) => send({ type: 'pneumonia-epoch', record }),
      gate,
    },
  );
  send({ type: 'pneumonia-done', outcome: result.outcome });
}

async function evaluateModel(message: Extract<ToWorker, { type: 'pneumonia-evaluate' }>): Promise<void> {
  await selectBackend();
  const evaluation = await evaluatePneumoniaModel(message.modelDir, message.samples, {
    evaluatedOn: message.evaluatedOn,
    threshold: message.threshold,
    targetSensitivity: message.targetSensitivity,
  });
  send({ type: 'evaluation', evaluation });
}

async function selfTest(message: Extract<ToWorker, { type: 'self-test' }>): Promise<void> {
  await selectBackend();
  send({ type: 'self-tested', problem: await selfTestModel(message.modelDir) });
}

/** Errors a user can act on (bad data, a broken model file) travel as they are; others are bugs. */
function reportError(error: unknown, requestId?: number): void {
  const userFacing = error instanceof CifarImportError || error instanceof PneumoniaDataError || error instanceof PneumoniaModelFileError;
  send({ type: 'error', message: error instanceof Error ? error.message : String(error), userFacing, ...(requestId === undefined ? {} : { requestId }) });
}

let scoring: ScoringQueue | null = null;
const scoringQueue = () => (scoring ??= new ScoringQueue(send, reportError));

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'probe':
      selectBackend(message.backend).then(
        (report) => send({ type: 'backend', report }),
        (error: unknown) => send({ type: 'error', message: String(error), userFacing: false }),
      );
      break;
    case 'train':
      train(message).catch((error: unknown) => reportError(error));
      break;
    case 'pneumonia-train':
      trainPneumoniaModel(message).catch((error: unknown) => reportError(error));
      break;
    case 'pneumonia-evaluate':
      evaluateModel(message).catch((error: unknown) => reportError(error));
      break;
    case 'score':
    case 'heatmaps':
      scoringQueue().add(message);
      break;
    case 'warm':
      scoringQueue().warm(message.modelDir);
      break;
    case 'cancel':
      scoring?.cancel(message.requestId);
      break;
    case 'self-test':
      selfTest(message).catch((error: unknown) => reportError(error));
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
