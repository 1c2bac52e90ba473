/**
 * `npm run bench:train`: ms per training step of the textbook CNN at batch 64 and 128 on our
 * best backend here, against PyTorch (same model, same batch, 2 threads) measured in the same run.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src-main/services/ml/runtime/backend-select';
import { buildTextbookCnn } from '../src-main/services/ml/textbook-cnn';
import { median, peer } from './torch-peer';

const STEPS = Number(process.env.BENCH_STEPS ?? 8);

async function ours(batch: number): Promise<number> {
  const model = buildTextbookCnn();
  const x = tf.randomUniform([batch, 32, 32, 3]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10);
  const times: number[] = [];
  for (let i = 0; i < STEPS + 2; i++) {
    const start = performance.now();
    await model.trainOnBatch(x, y);
    if (i >= 2) times.push(performance.now() - start);
  }
  tf.dispose([x, y]);
  model.dispose();
  return median(times);
}

async function main(): Promise<void> {
  const runtime = await selectBackend();
  console.log(`backend: ${runtime.backend} (${runtime.device}); ${STEPS} timed steps after 2 warm-up, medians`);
  for (const batch of [64, 128]) {
    const mine = await ours(batch);
    const torch = peer('train', batch, STEPS).msPerStep!;
    console.log(`batch ${batch}: ours ${mine.toFixed(0)} ms/step, PyTorch ${torch.toFixed(0)} ms/step`);
    console.log(`ratio: ${(mine / torch).toFixed(2)}`);
  }
}

await main();
