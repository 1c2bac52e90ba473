import * as tf from '@tensorflow/tfjs';
import type { GreyImage } from '../../imaging/dicom/dicom-image';
import { LOGIT_LAYER, logitModelOf } from './pneumonia-head';
import type { PneumoniaNetwork } from './pneumonia-network';
import type { ScoreResult } from './pneumonia-sample';
import { greyBatch, normaliseGrey, resizeGrey } from './preprocess';

/** The worklist's one scoring interface: image in, probability and heatmap out. */
export interface PneumoniaScorer {
  score(image: GreyImage): Promise<ScoreResult>;
  scoreBatch(images: readonly GreyImage[]): Promise<ScoreResult[]>;
}

/**
 * Scores with the backbone in inference mode and explains with Grad-CAM on its feature map A:
 * ReLU(sum over channels c of mean_xy(d logit / d A_c) * A_c), scaled to 0-255 per image. The
 * logit, not the probability, is differentiated: a confident sigmoid has almost no gradient.
 */
export function createPneumoniaScorer(network: PneumoniaNetwork): PneumoniaScorer {
  const spec = network.backbone.preprocessing;
  const hasLogit = network.head.layers.some((l) => l.name === LOGIT_LAYER);
  const logitHead = hasLogit ? logitModelOf(network.head) : null;
  // Heads without a logit layer (older or foreign models): the logit recovered from the probability.
  const logitOf = (features: tf.Tensor): tf.Tensor => {
    if (logitHead) return logitHead.apply(features, { training: false }) as tf.Tensor;
    const p = tf.clipByValue(network.head.apply(features, { training: false }) as tf.Tensor, 1e-7, 1 - 1e-7);
    return tf.sub(tf.log(p), tf.log1p(tf.neg(p)));
  };
  const scoreBatch = async (images: readonly GreyImage[]): Promise<ScoreResult[]> => {
    if (images.length === 0) return [];
    const pixels = await Promise.all(images.map((image) => resizeGrey(image, spec)));
    const [logits, cams] = tf.tidy(() => {
      const input = normaliseGrey(greyBatch(pixels, spec), spec);
      const features = network.backbone.featureModel.predict(input) as tf.Tensor4D;
      const grad = tf.grad((a: tf.Tensor) => tf.sum(logitOf(a)))(features);
      // Each image's logit depends on its own features only, so the summed logit's gradient is per image.
      const channelWeights = tf.mean(grad, [1, 2], true);
      const cam = tf.relu(tf.sum(tf.mul(channelWeights, features), 3));
      const peak = tf.max(cam, [1, 2], true);
      const scaled = tf.div(tf.mul(cam, 255), tf.maximum(peak, 1e-12));
      return [tf.reshape(logitOf(features), [-1]), tf.round(scaled)] as [tf.Tensor, tf.Tensor];
    });
    const [logitValues, camValues] = await Promise.all([logits.data(), cams.data()]);
    tf.dispose([logits, cams]);
    const [, h, w] = cams.shape as [number, number, number];
    return images.map((_, i) => ({
      probability: 1 / (1 + Math.exp(-logitValues[i]!)),
      heatmap: { width: w, height: h, data: Uint8Array.from(camValues.subarray(i * h * w, (i + 1) * h * w)) },
    }));
  };
  return {
    score: async (image) => (await scoreBatch([image]))[0]!,
    scoreBatch,
  };
}
