import { existsSync } from 'node:fs';
import path from 'node:path';
import { tf } from '../tfjs';
import type { EpochRecord, TrainingConfig, TrainingMetrics } from '@shared/ipc/contract';
import { classificationReport, confusionMatrix } from '@shared/ml/classification-report';
import { IMAGE_BYTES, selectImages, takeSubset, type CifarDataset, type CifarSplit } from '../cifar/cifar-dataset';
import { loadModel, saveModel } from '../model-files';
import { buildTextbookCnn, CIFAR10_CLASSES, compileTextbookCnn } from '../textbook-cnn';
import { augmentBatch, seededRandom } from './augment';
import { shuffledIndices } from './seeded-random';
import { BestCheckpoint, EarlyStopping, ReduceLrOnPlateau, type EarlyStoppingState, type PlateauState } from './callbacks';

export const VALIDATION_FRACTION = 0.1;
const SAMPLE_COUNT = 24;

/** What the last-epoch checkpoint holds besides the weights, so a run resumes exactly. */
export interface ResumeState {
  epochsDone: number;
  history: EpochRecord[];
  learningRate: number;
  earlyStopping: EarlyStoppingState;
  plateau: PlateauState;
  bestValAccuracy: number;
}

export interface TrainerHooks {
  onBatch(epoch: number, batch: number, batches: number, loss: number, accuracy: number, learningRate: number, etaSeconds: number | null): void;
  onEpoch(record: EpochRecord): void;
  /** For scripts that measure more per epoch (the full-CIFAR run logs test accuracy); the model must not be kept. */
  afterEpoch?(model: tf.LayersModel, record: EpochRecord): Promise<void>;
  /** Resolves when training may go on; called between batches (pause holds it, stop returns 'stop'). */
  checkpointGate(): Promise<'go' | 'stop'>;
}

export interface TrainerPaths {
  /** The last epoch's model and optimizer state (for resuming). */
  lastDir: string;
  /** The best model by validation accuracy (the model store's copy). */
  bestDir: string;
  /**
   * The weights with the lowest validation loss, which restore_best_weights puts back at the end:
   * kept on disk because after a resume they may come from an earlier sitting.
   */
  restoreDir: string;
}

export interface TrainerResult {
  outcome: 'completed' | 'stopped';
  history: EpochRecord[];
  metrics: TrainingMetrics | null;
  /** Validation loss of the model that was evaluated on the test set (after restoring the best weights). */
  finalValLoss: number | null;
}

/** The textbook's callback settings; tests shorten the patiences. */
export interface CallbackSettings {
  earlyStoppingPatience: number;
  plateauPatience: number;
}

const TEXTBOOK_CALLBACKS: CallbackSettings = { earlyStoppingPatience: 10, plateauPatience: 5 };

interface Splits {
  train: CifarSplit;
  validation: CifarSplit;
  test: CifarSplit;
}

/** The same training/validation split for the same seed, so a resumed run validates on the same images. */
export function splitDataset(dataset: CifarDataset, config: TrainingConfig): Splits {
  const pool = config.subsetSize ? takeSubset(dataset.train, config.subsetSize) : dataset.train;
  const order = shuffledIndices(pool.count, seededRandom(config.seed));
  const validationCount = Math.max(10, Math.round(pool.count * VALIDATION_FRACTION));
  const testCount = config.subsetSize ? Math.min(dataset.test.count, Math.max(200, Math.round(config.subsetSize / 5))) : dataset.test.count;
  return {
    validation: selectImages(pool, order.slice(0, validationCount)),
    train: selectImages(pool, order.slice(validationCount)),
    test: takeSubset(dataset.test, testCount),
  };
}

/** Images scaled to [0, 1], as the textbook feeds them. */
function toTensors(split: CifarSplit, indices?: readonly number[]): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const picked = indices ? selectImages(split, indices) : split;
  return tf.tidy(() => ({
    x: tf.div(tf.tensor4d(picked.pixels, [picked.count, 32, 32, 3], 'int32').toFloat(), 255) as tf.Tensor4D,
    y: tf.oneHot(tf.tensor1d(picked.labels, 'int32'), 10).toFloat() as tf.Tensor2D,
  }));
}

function setLearningRate(model: tf.LayersModel, learningRate: number): void {
  // tfjs's Adam reads this field on every step.
  (model.optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}

/**
 * Trains the textbook CNN with the textbook's callbacks: early stopping on validation loss
 * (restoring the best weights), halving the learning rate on a plateau, and keeping the model
 * with the best validation accuracy. Checkpoints after every epoch so a run can be resumed.
 */
export async function trainCifar(
  dataset: CifarDataset,
  config: TrainingConfig,
  paths: TrainerPaths,
  hooks: TrainerHooks,
  resume: ResumeState | null,
  callbacks: CallbackSettings = TEXTBOOK_CALLBACKS,
): Promise<TrainerResult> {
  const splits = splitDataset(dataset, config);
  let model: tf.LayersModel;
  if (resume) {
    model = (await loadModel(paths.lastDir)).model;
    if (!model.optimizer) compileTextbookCnn(model, resume.learningRate);
  } else {
    model = buildTextbookCnn(config.learningRate);
  }
  const history = resume ? [...resume.history] : [];
  let learningRate = resume?.learningRate ?? config.learningRate;
  setLearningRate(model, learningRate);
  const earlyStopping = new EarlyStopping(callbacks.earlyStoppingPatience, resume?.earlyStopping);
  const plateau = new ReduceLrOnPlateau(0.5, callbacks.plateauPatience, 1e-6, resume?.plateau);
  const bestCheckpoint = new BestCheckpoint(resume?.bestValAccuracy ?? -Infinity);
  let bestWeights: tf.Tensor[] | null = null;
  let stoppedEarly = false;
  let outcome: TrainerResult['outcome'] = 'completed';
  const validation = toTensors(splits.validation);
  const random = seededRandom(config.seed * 7919 + history.length);
  const batches = Math.ceil(splits.train.count / config.batchSize);

  try {
    for (let epoch = history.length + 1; epoch <= config.epochs; epoch++) {
      const started = performance.now();
      const order = shuffledIndices(splits.train.count, random);
      let lossSum = 0;
      let accuracySum = 0;
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        if ((await hooks.checkpointGate()) === 'stop') {
          outcome = 'stopped';
          break;
        }
        const indices = order.slice(b * config.batchSize, (b + 1) * config.batchSize);
        const { x, y } = toTensors(splits.train, indices);
        const input = config.augment ? augmentBatch(x, random) : x;
        const [loss, accuracy] = (await model.trainOnBatch(input, y)) as number[];
        tf.dispose([x, y, input]);
        lossSum += loss! * indices.length;
        accuracySum += accuracy! * indices.length;
        seen += indices.length;
        const elapsed = (performance.now() - started) / 1000;
        const remainingBatches = batches - b - 1 + (config.epochs - epoch) * batches;
        hooks.onBatch(epoch, b + 1, batches, lossSum / seen, accuracySum / seen, learningRate, (elapsed / (b + 1)) * remainingBatches);
      }
      if (outcome === 'stopped') break;

      const [valLossT, valAccT] = model.evaluate(validation.x, validation.y, { batchSize: 256 }) as tf.Scalar[];
      const valLoss = (await valLossT!.data())[0]!;
      const valAccuracy = (await valAccT!.data())[0]!;
      tf.dispose([valLossT, valAccT]);
      const record: EpochRecord = {
        epoch,
        loss: lossSum / seen,
        accuracy: accuracySum / seen,
        valLoss,
        valAccuracy,
        learningRate,
        seconds: (performance.now() - started) / 1000,
      };
      history.push(record);

      const { improved, stop } = earlyStopping.update(epoch, valLoss);
      if (improved) {
        tf.dispose(bestWeights ?? []);
        bestWeights = model.getWeights().map((w) => w.clone());
        await saveModel(model, paths.restoreDir, modelMetadata(config, record, history));
      }
      if (bestCheckpoint.update(valAccuracy)) {
        await saveModel(model, paths.bestDir, modelMetadata(config, record, history));
      }
      learningRate = plateau.update(valLoss, learningRate);
      setLearningRate(model, learningRate);
      const state: ResumeState = {
        epochsDone: epoch,
        history,
        learningRate,
        earlyStopping: earlyStopping.state,
        plateau: plateau.state,
        bestValAccuracy: bestCheckpoint.best,
      };
      await saveModel(model, paths.lastDir, { ...modelMetadata(config, record, history), resume: state }, true);
      hooks.onEpoch(record);
      await hooks.afterEpoch?.(model, record);
      if (stop) {
        stoppedEarly = true;
        break;
      }
    }

    if (history.length === 0) return { outcome, history, metrics: null, finalValLoss: null };
    // restore_best_weights: the epoch with the lowest validation loss, from memory or, when an
    // earlier sitting saw it, from its checkpoint.
    if (bestWeights) model.setWeights(bestWeights);
    else if (existsSync(path.join(paths.restoreDir, 'metadata.json'))) await restoreWeights(model, paths.restoreDir);
    const [finalValLossT] = model.evaluate(validation.x, validation.y, { batchSize: 256 }) as tf.Scalar[];
    const finalValLoss = (await finalValLossT!.data())[0]!;
    tf.dispose(finalValLossT);
    const metrics = await evaluateOnTest(model, splits.test, earlyStopping.state.bestEpoch, stoppedEarly);
    return { outcome, history, metrics, finalValLoss };
  } finally {
    tf.dispose([validation.x, validation.y, ...(bestWeights ?? [])]);
    // The model does not own an optimizer it was given; Adam's moment estimates are freed here.
    model.optimizer?.dispose();
    model.dispose();
  }
}

async function restoreWeights(model: tf.LayersModel, dir: string): Promise<void> {
  const saved = (await loadModel(dir)).model;
  try {
    model.setWeights(saved.getWeights());
  } finally {
    saved.dispose();
  }
}

function modelMetadata(config: TrainingConfig, record: EpochRecord, history: EpochRecord[]) {
  return {
    task: 'cifar10',
    architecture: 'textbook CIFAR-10 CNN (3 conv blocks + dense 512)',
    preprocessing: 'RGB 32x32, pixel values divided by 255',
    classNames: CIFAR10_CLASSES,
    trainingConfig: config,
    epoch: record.epoch,
    valAccuracy: record.valAccuracy,
    valLoss: record.valLoss,
    history,
  };
}

async function evaluateOnTest(model: tf.LayersModel, test: CifarSplit, bestEpoch: number, stoppedEarly: boolean): Promise<TrainingMetrics> {
  const { x, y } = toTensors(test);
  try {
    const [lossT, accT] = model.evaluate(x, y, { batchSize: 256 }) as tf.Scalar[];
    const testLoss = (await lossT!.data())[0]!;
    const testAccuracy = (await accT!.data())[0]!;
    tf.dispose([lossT, accT]);
    const probabilities = model.predict(x, { batchSize: 256 }) as tf.Tensor2D;
    const predictedT = probabilities.argMax(1);
    const predicted = Array.from(await predictedT.data());
    tf.dispose([probabilities, predictedT]);
    const matrix = confusionMatrix(test.labels, predicted, 10);
    const samples = Array.from({ length: Math.min(SAMPLE_COUNT, test.count) }, (_, k) => {
      const i = Math.floor((k * test.count) / Math.min(SAMPLE_COUNT, test.count));
      return {
        rgbBase64: Buffer.from(test.pixels.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES)).toString('base64'),
        trueLabel: test.labels[i]!,
        predictedLabel: predicted[i]!,
      };
    });
    return {
      testLoss,
      testAccuracy,
      testCount: test.count,
      classNames: [...CIFAR10_CLASSES],
      confusionMatrix: matrix,
      report: classificationReport(matrix, CIFAR10_CLASSES),
      samples,
      bestEpoch: bestEpoch > 0 ? bestEpoch : null,
      stoppedEarly,
    };
  } finally {
    tf.dispose([x, y]);
  }
}
