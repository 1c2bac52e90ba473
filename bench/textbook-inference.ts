/**
 * `npm run bench:infer`: images per second classifying with the textbook CNN (batch 256) on our
 * best backend here, against PyTorch (same model, same batch, 2 threads) measured in the same run.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src-main/services/ml/runtime/backend-select';
import { buildTextbookCnn } from '../src-main/services/ml/textbook-cnn';
import { peer } from './torch-peer';

const BATCH = 256;
const REPEATS = Number(process.env.BENCH_STEPS ?? 5);

async function ours(): Promise<number> {
  const model = buildTextbookCnn();
  const x = tf.randomUniform([BATCH, 32, 32, 3]);
  tf.dispose(model.predict(x) as tf.Tensor);
  const start = performance.now();
  for (let i = 0; i < REPEATS; i++) {
    const y = model.predict(x) as tf.Tensor;
    await y.data();
    y.dispose();
  }
  const seconds = (performance.now() - start) / 1000;
  x.dispose();
  model.dispose();
  return (BATCH * REPEATS) / seconds;
}

const runtime = await selectBackend();
console.log(`backend: ${runtime.backend} (${runtime.device}); batch ${BATCH}, ${REPEATS} batches`);
const mine = await ours();
const torch = peer('infer', BATCH, REPEATS).imagesPerSecond!;
console.log(`inference: ours ${mine.toFixed(0)} images/s, PyTorch ${torch.toFixed(0)} images/s`);
// Our time per image divided by PyTorch's, as for training steps: above 1 means slower.
console.log(`ratio: ${(torch / mine).toFixed(2)}`);
