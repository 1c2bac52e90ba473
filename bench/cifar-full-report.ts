/**
 * `npx tsx bench/cifar-full-report.ts [--log bench/results/cifar-full-training.jsonl] [--append]`:
 * the final report of a full CIFAR-10 run (bench/train-full-cifar.ts), worked out from its log:
 * the first epoch at the textbook's test accuracy, the epoch restore_best_weights would put back
 * (lowest validation loss) and the best checkpoint's (highest validation accuracy), each with its
 * test accuracy as measured after that epoch, the best test accuracy, and the time spent training. For a
 * run stopped after reaching the textbook's figure rather than ended by its own early stopping, whose
 * `done` line (the restored best model's evaluation) therefore never came.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const TEXTBOOK_TEST_ACCURACY = 0.789;
const { values } = parseArgs({
  options: {
    log: { type: 'string', default: path.join(import.meta.dirname, 'results', 'cifar-full-training.jsonl') },
    append: { type: 'boolean', default: false },
  },
});

interface Epoch {
  event: 'epoch';
  epoch: number;
  valAccuracy: number;
  valLoss: number;
  testAccuracy: number;
  learningRate: number;
  seconds: number;
}
const lines = readFileSync(values.log!, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { event: string });
if (lines.some((line) => line.event === 'done' || line.event === 'report')) throw new Error('this log already ends with its report');
const epochs = lines.filter((line): line is Epoch => line.event === 'epoch');
if (epochs.length === 0) throw new Error('the log has no epochs');
const best = (key: 'valAccuracy' | 'testAccuracy') => epochs.reduce((a, b) => (b[key] > a[key] ? b : a));
const atTarget = epochs.find((e) => e.testAccuracy >= TEXTBOOK_TEST_ACCURACY) ?? null;
const restored = epochs.reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
const kept = best('valAccuracy');
const report = {
  at: new Date().toISOString(),
  event: 'report',
  epochsRun: epochs.length,
  sittings: lines.filter((line) => line.event === 'start').length,
  textbookTestAccuracy: TEXTBOOK_TEST_ACCURACY,
  firstEpochAtTextbook: atTarget && { epoch: atTarget.epoch, testAccuracy: atTarget.testAccuracy },
  restoredWeights: { epoch: restored.epoch, valLoss: restored.valLoss, testAccuracy: restored.testAccuracy },
  bestCheckpoint: { epoch: kept.epoch, valAccuracy: kept.valAccuracy, testAccuracy: kept.testAccuracy },
  bestTest: { epoch: best('testAccuracy').epoch, testAccuracy: best('testAccuracy').testAccuracy },
  last: { epoch: epochs.at(-1)!.epoch, testAccuracy: epochs.at(-1)!.testAccuracy, learningRate: epochs.at(-1)!.learningRate },
  trainingHours: epochs.reduce((sum, e) => sum + e.seconds, 0) / 3600,
  stopped: atTarget ? `after reaching the textbook's test accuracy at epoch ${atTarget.epoch}; not resumed past epoch ${epochs.at(-1)!.epoch}` : 'before reaching the textbook accuracy',
};
console.log(JSON.stringify(report, null, 2));
if (values.append) appendFileSync(values.log!, `${JSON.stringify(report)}\n`);
