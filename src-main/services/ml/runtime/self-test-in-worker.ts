import { startComputeWorker } from './compute-worker-client';

/** Runs a model folder's self-test in a compute worker (TensorFlow.js never runs on the main thread). */
export async function selfTestInWorker(modelDir: string): Promise<string | null> {
  const worker = startComputeWorker();
  try {
    return await new Promise<string | null>((resolve) => {
      worker.onMessage((message) => {
        if (message.type === 'self-tested') resolve(message.problem);
        else if (message.type === 'error') resolve(message.userFacing ? message.message : 'it could not be checked: the compute worker failed on it.');
      });
      void worker.exited.then(() => resolve('it could not be checked: the compute worker stopped on it.'));
      worker.send({ type: 'self-test', modelDir });
    });
  } finally {
    await worker.terminate();
  }
}
