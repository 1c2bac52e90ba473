import { tf } from '../tfjs';
import type { PneumoniaEpochRecord, PneumoniaTrainingConfig } from '@shared/ipc/pneumonia-contract';
import { rocAuc, rocCurve } from '@shared/metrics/binary-roc';
import { seededRandom, shuffledIndices } from '../training/seeded-random';
import { EarlyStopping, ReduceLrOnPlateau } from '../training/callbacks';
import { splitAtLastBlock } from './backbone-split';
import { logitModelOf } from './pneumonia-head';
import { predictProbabilities, type PneumoniaNetwork } from './pneumonia-network';
import type { PneumoniaSample } from './pneumonia-sample';
import { greyBatch, normaliseGrey } from './preprocess';
import type { ResizedImageCache } from './resized-image-cache';
import { augmentXrays } from './xray-augment';

export type TrainingPhase = 1 | 2;

export interface PneumoniaTrainingHooks {
  onBatch?(phase: TrainingPhase, epoch: number, batch: number, batches: number, loss: number): void;
  onEpoch?(record: PneumoniaEpochRecord): void;
  /** Awaited before every batch: resolves 'go' to continue (after a pause) or 'stop' to end the run. */
  gate?(): Promise<'go' | 'stop'>;
}

export type PneumoniaTrainingSettings = Pick<PneumoniaTrainingConfig, 'batchSize' | 'augment' | 'classWeights' | 'phase1' | 'phase2' | 'seed'>;

export interface PneumoniaTrainingResult {
  history: PneumoniaEpochRecord[];
  /** The gate said stop: the network holds the best weights reached so far. */
  stopped: boolean;
}

/** What a phase trains: the head alone over a frozen pretrained backbone, the head and the last block, or everything (from scratch). */
type Trained = 'head' | 'last-block' | 'all';

const MIN_LEARNING_RATE = 1e-7;

/**
 * Trains the network in place with the recipe's two phases. Phase 1 trains the head over a
 * frozen backbone run in inference mode (BatchNorm on its moving statistics; tfjs's BN uses
 * batch statistics whenever training is on, even for frozen layers, so fit() on a combined
 * model would be wrong). Phase 2 also trains the last block's conv kernels, its BN still
 * frozen, as Keras advises for fine-tuning. A backbone without pretrained weights is trained
 * whole in phase 1. Each phase stops early on validation AUC and restores its best weights.
 */
export async function trainPneumonia(
  network: PneumoniaNetwork,
  data: { train: readonly PneumoniaSample[]; val: readonly PneumoniaSample[]; images: ResizedImageCache },
  settings: PneumoniaTrainingSettings,
  hooks: PneumoniaTrainingHooks = {},
): Promise<PneumoniaTrainingResult> {
  const history: PneumoniaEpochRecord[] = [];
  const random = seededRandom(settings.seed);
  const weights = classWeightsOf(data.train, settings.classWeights);
  const valImages = data.val.map((s) => data.images.get(s));
  const valLabels = data.val.map((s) => s.label);
  const phases: [TrainingPhase, PneumoniaTrainingConfig['phase1'], Trained][] = [
    [1, settings.phase1, network.backbone.pretrained ? 'head' : 'all'],
    [2, settings.phase2, 'last-block'],
  ];
  for (const [phase, config, trained] of phases) {
    if (config.epochs === 0) continue;
    const stopped = await runPhase(phase, config, trained);
    if (stopped) return { history, stopped: true };
  }
  return { history, stopped: false };

  async function runPhase(phase: TrainingPhase, config: PneumoniaTrainingConfig['phase1'], trained: Trained): Promise<boolean> {
    const { backbone, head } = network;
    const logitHead = logitModelOf(head);
    const split = trained === 'last-block' ? splitAtLastBlock(backbone.featureModel, backbone.lastBlockLayers) : null;
    const backboneVariables = trained === 'all' ? backbone.featureModel.trainableWeights : (split?.tailKernels ?? []);
    const varList = [...head.trainableWeights, ...backboneVariables].map((v) => v.read() as tf.Variable);
    // Restoring the best epoch restores everything that changed, BN moving statistics included.
    const snapshotted = [...head.weights, ...(trained === 'all' ? backbone.featureModel.weights : backboneVariables)];
    const optimizer = tf.train.adam(config.learningRate);
    const early = new EarlyStopping(config.earlyStoppingPatience);
    const plateau = new ReduceLrOnPlateau(0.5, config.reduceLrPatience, MIN_LEARNING_RATE);
    let learningRate = config.learningRate;
    let best: tf.Tensor[] | null = null;
    let stopped = false;
    const spec = backbone.preprocessing;
    const batches = Math.ceil(data.train.length / settings.batchSize);
    try {
      for (let epoch = 1; epoch <= config.epochs && !stopped; epoch++) {
        const started = performance.now();
        const order = shuffledIndices(data.train.length, random);
        let lossSum = 0;
        const trainProbabilities: number[] = [];
        const trainLabels: (0 | 1)[] = [];
        for (let b = 0; b < batches; b++) {
          if (hooks.gate && (await hooks.gate()) === 'stop') {
            stopped = true;
            break;
          }
          const picked = order.slice(b * settings.batchSize, (b + 1) * settings.batchSize).map((i) => data.train[i]!);
          const labels = picked.map((s) => s.label);
          const input = tf.tidy(() => {
            const grey = greyBatch(picked.map((s) => data.images.get(s)), spec);
            return normaliseGrey(settings.augment ? augmentXrays(grey, random) : grey, spec);
          });
          // The frozen part runs outside the gradient tape, in inference mode.
          const frozenOut = trained === 'head' ? (backbone.featureModel.predict(input) as tf.Tensor) : trained === 'last-block' ? (split!.trunk.predict(input) as tf.Tensor) : null;
          const y = tf.tensor2d(labels, [labels.length, 1]);
          const w = tf.tensor2d(labels.map((l) => weights[l]), [labels.length, 1]);
          let probabilities: tf.Tensor | null = null;
          const loss = optimizer.minimize(
            () => {
              const features =
                trained === 'head' ? frozenOut! : trained === 'last-block' ? (split!.tail.apply(frozenOut!, { training: false }) as tf.Tensor) : (backbone.featureModel.apply(input, { training: true }) as tf.Tensor);
              const logits = logitHead.apply(features, { training: true }) as tf.Tensor;
              probabilities = tf.keep(tf.sigmoid(logits));
              return tf.mean(tf.mul(w, sigmoidCrossEntropy(y, logits))) as tf.Scalar;
            },
            true,
            varList,
          )!;
          const lossValue = (await loss.data())[0]!;
          const batchProbabilities = probabilities! as tf.Tensor;
          trainProbabilities.push(...(await batchProbabilities.data()));
          trainLabels.push(...labels);
          tf.dispose([loss, batchProbabilities, input, y, w, ...(frozenOut ? [frozenOut] : [])]);
          lossSum += lossValue * labels.length;
          hooks.onBatch?.(phase, epoch, b + 1, batches, lossValue);
        }
        if (stopped) break;
        const valProbabilities = Array.from(predictProbabilities(network, valImages, settings.batchSize));
        const record: PneumoniaEpochRecord = {
          phase,
          epoch,
          loss: lossSum / data.train.length,
          accuracy: accuracyOf(trainProbabilities, trainLabels),
          auc: rocAuc(rocCurve(trainProbabilities, trainLabels)),
          valLoss: meanCrossEntropy(valProbabilities, valLabels),
          valAccuracy: accuracyOf(valProbabilities, valLabels),
          valAuc: rocAuc(rocCurve(valProbabilities, valLabels)),
          learningRate,
          seconds: (performance.now() - started) / 1000,
        };
        history.push(record);
        hooks.onEpoch?.(record);
        const { improved, stop } = early.update(epoch, -record.valAuc);
        if (improved) {
          tf.dispose(best ?? []);
          best = snapshotted.map((v) => v.read().clone());
        }
        learningRate = plateau.update(record.valLoss, learningRate);
        (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
        if (stop) break;
      }
      if (best) snapshotted.forEach((v, i) => v.write(best![i]!));
      return stopped;
    } finally {
      tf.dispose(best ?? []);
      optimizer.dispose();
    }
  }
}

/** Keras's balanced weights n / (2 n_c), or 1 for both classes. */
export function classWeightsOf(train: readonly PneumoniaSample[], balanced: boolean): Record<0 | 1, number> {
  if (!balanced) return { 0: 1, 1: 1 };
  const positives = train.filter((s) => s.label === 1).length;
  const negatives = train.length - positives;
  return { 0: train.length / (2 * Math.max(1, negatives)), 1: train.length / (2 * Math.max(1, positives)) };
}

/** Binary cross-entropy from logits, stable for large |z|: max(z, 0) - z y + log(1 + exp(-|z|)). */
function sigmoidCrossEntropy(labels: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  return tf.add(tf.sub(tf.relu(logits), tf.mul(logits, labels)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
}

function meanCrossEntropy(probabilities: readonly number[], labels: readonly (0 | 1)[]): number {
  const eps = 1e-7;
  let sum = 0;
  probabilities.forEach((p, i) => {
    const q = Math.min(1 - eps, Math.max(eps, p));
    sum -= labels[i] === 1 ? Math.log(q) : Math.log(1 - q);
  });
  return sum / Math.max(1, probabilities.length);
}

function accuracyOf(probabilities: readonly number[], labels: readonly (0 | 1)[]): number {
  const right = probabilities.filter((p, i) => (p >= 0.5 ? 1 : 0) === labels[i]).length;
  return right / Math.max(1, probabilities.length);
}
