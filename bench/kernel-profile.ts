/**
 * `npx tsx bench/kernel-profile.ts`: where one training step of the textbook CNN spends its time
 * on the wasm backend, per kernel (self time: kernels our kernels call are listed as nested).
 * BATCH (64), STEPS (5) and SHAPES=1 (split by input shapes) from the environment. The machine
 * is shared: read the table for proportions, and compare variants in the same run.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src-main/services/ml/runtime/backend-select';
import { buildTextbookCnn } from '../src-main/services/ml/textbook-cnn';

const BATCH = Number(process.env.BATCH ?? 64);
const STEPS = Number(process.env.STEPS ?? 5);
const stats = new Map<string, { ms: number; n: number }>();
const stack: number[] = [];
let on = false;

await selectBackend('wasm');
for (const kernel of tf.getKernelsForBackend('wasm')) {
  const inner = kernel.kernelFunc;
  tf.unregisterKernel(kernel.kernelName, 'wasm');
  tf.registerKernel({
    ...kernel,
    kernelFunc: (args) => {
      if (!on) return inner(args);
      const start = performance.now();
      stack.push(0);
      const result = inner(args);
      const children = stack.pop()!;
      const ms = performance.now() - start;
      if (stack.length > 0) stack[stack.length - 1]! += ms;
      const shapes = process.env.SHAPES ? ' ' + Object.values(args.inputs).map((t) => JSON.stringify(t?.shape)).join(',') : '';
      const name = (stack.length > 0 ? '  (nested) ' : '') + kernel.kernelName + shapes;
      const entry = stats.get(name) ?? { ms: 0, n: 0 };
      entry.ms += ms - children;
      entry.n++;
      stats.set(name, entry);
      return result;
    },
  });
}
const model = buildTextbookCnn();
const x = tf.randomUniform([BATCH, 32, 32, 3]);
const y = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32'), 10);
for (let i = 0; i < 2; i++) await model.trainOnBatch(x, y);
on = true;
const times: number[] = [];
for (let i = 0; i < STEPS; i++) {
  const start = performance.now();
  await model.trainOnBatch(x, y);
  times.push(performance.now() - start);
}
on = false;
times.sort((p, q) => p - q);
const rows = [...stats.entries()].sort((p, q) => q[1].ms - p[1].ms);
const total = rows.reduce((sum, [, s]) => sum + s.ms, 0);
console.log(`batch ${BATCH}: step median ${times[Math.floor(STEPS / 2)]!.toFixed(0)} ms, kernels ${(total / STEPS).toFixed(0)} ms/step, the rest is JavaScript outside kernels`);
for (const [name, s] of rows) console.log(`${name.padEnd(40)} ${(s.ms / STEPS).toFixed(1).padStart(7)} ms  x${(s.n / STEPS).toFixed(0)}`);
tf.dispose([x, y]);
model.dispose();
