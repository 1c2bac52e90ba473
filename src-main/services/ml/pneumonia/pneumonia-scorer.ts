import * as tf from '@tensorflow/tfjs';
import type { PneumoniaModelMetadata } from '@shared/ipc/pneumonia-contract';
import { calibratedProbability } from '@shared/metrics/temperature-scaling';
import type { GreyImage } from '../../imaging/dicom/dicom-image';
import { splitAtLayer } from './backbone-split';
import { backgroundCells } from './heatmap-background';
import { heatmapLayerOf } from './heatmap-layer';
import { logitFunctionOf } from './pneumonia-head';
import type { PneumoniaNetwork } from './pneumonia-network';
import type { ScoreResult } from './pneumonia-sample';
import { greyBatch, normaliseGrey, resizeGrey } from './preprocess';

/** The worklist's one scoring interface: image in, probability and heatmap out. */
export interface PneumoniaScorer {
  score(image: GreyImage): Promise<ScoreResult>;
  scoreBatch(images: readonly GreyImage[]): Promise<ScoreResult[]>;
}

export interface ScorerOptions {
  /** The version's temperature (metadata.calibration); 1 leaves the network's probability as it is. */
  temperature?: number;
  /** The layer Grad-CAM is taken on (metadata.heatmapLayer); otherwise chosen by heatmapLayerOf. */
  heatmapLayer?: string;
}

/** How a saved version scores: its temperature and its heatmap layer, where it records them. */
export function scorerOptionsOf(metadata: PneumoniaModelMetadata): ScorerOptions {
  return { temperature: metadata.calibration?.temperature ?? 1, ...(metadata.heatmapLayer ? { heatmapLayer: metadata.heatmapLayer } : {}) };
}

/**
 * Scores with the backbone in inference mode, cut at the heatmap layer A (14x14 for 224 input):
 * trunk to A, then A through the rest of the backbone and the head. Grad-CAM on A:
 * ReLU(sum over channels c of mean_xy(d logit / d A_c) * A_c), zero over background cells,
 * scaled to 0-255 per image. The logit, not the probability, is differentiated: a confident
 * sigmoid has almost no gradient. Also returns the pooled feature vector (the feature map
 * averaged over space) that the feature reference judges.
 */
export function createPneumoniaScorer(network: PneumoniaNetwork, options: ScorerOptions = {}): PneumoniaScorer {
  const spec = network.backbone.preprocessing;
  const temperature = options.temperature ?? 1;
  const { trunk, tail } = splitAtLayer(network.backbone.featureModel, options.heatmapLayer ?? heatmapLayerOf(network.backbone.featureModel));
  const logitOf = logitFunctionOf(network.head);
  const scoreResized = async (pixels: readonly Uint8Array[]): Promise<ScoreResult[]> => {
    if (pixels.length === 0) return [];
    const [logits, pooled, cams] = tf.tidy(() => {
      const input = normaliseGrey(greyBatch(pixels, spec), spec);
      const cut = trunk.predict(input) as tf.Tensor4D;
      const features = tail.apply(cut, { training: false }) as tf.Tensor4D;
      // Each image's logit depends on its own map only, so the summed logit's gradient is per image.
      const grad = tf.grad((a: tf.Tensor) => tf.sum(logitOf(tail.apply(a, { training: false }) as tf.Tensor)))(cut);
      const channelWeights = tf.mean(grad, [1, 2], true);
      const cam = tf.relu(tf.sum(tf.mul(channelWeights, cut), 3));
      return [tf.reshape(logitOf(features), [-1]), tf.mean(features, [1, 2]), cam] as [tf.Tensor, tf.Tensor, tf.Tensor];
    });
    const [logitValues, pooledValues, camValues] = await Promise.all([logits.data(), pooled.data(), cams.data()]);
    const [, h, w] = cams.shape as [number, number, number];
    const featureSize = pooled.shape[1]!;
    tf.dispose([logits, pooled, cams]);
    return pixels.map((image, i) => {
      const logit = logitValues[i]!;
      return {
        probability: calibratedProbability(logit, temperature),
        logit,
        features: Float32Array.from(pooledValues.subarray(i * featureSize, (i + 1) * featureSize)),
        heatmap: { width: w, height: h, data: scaledHeatmap(camValues.subarray(i * h * w, (i + 1) * h * w), backgroundCells(image, spec, { width: w, height: h })) },
      };
    });
  };
  const scoreBatch = async (images: readonly GreyImage[]): Promise<ScoreResult[]> =>
    scoreResized(await Promise.all(images.map((image) => resizeGrey(image, spec))));
  return {
    score: async (image) => (await scoreBatch([image]))[0]!,
    scoreBatch,
  };
}

/** Background cells zeroed, then the rest scaled so the peak is 255 (all zero if nothing is left). */
function scaledHeatmap(cam: ArrayLike<number>, background: readonly boolean[]): Uint8Array {
  const kept = Float32Array.from(background, (isBackground, i) => (isBackground ? 0 : cam[i]!));
  const peak = kept.reduce((a, b) => Math.max(a, b), 0);
  return Uint8Array.from(kept, (v) => (peak > 1e-12 ? Math.round((v * 255) / peak) : 0));
}
