import { tf } from '../tfjs';
import { logitFunctionOf } from './pneumonia-head';
import type { PneumoniaNetwork } from './pneumonia-network';
import { greyBatch, normaliseGrey } from './preprocess';

/**
 * The network's logits and the backbone's pooled features (feature map averaged over space) for
 * resized grey images, in inference mode, without Grad-CAM: what calibration and the feature
 * reference are fitted on. The scorer computes the same two for each image it scores.
 */
export function logitsAndFeatures(network: PneumoniaNetwork, images: readonly Uint8Array[], batchSize = 16): { logits: number[]; features: Float32Array[] } {
  const spec = network.backbone.preprocessing;
  const logitOf = logitFunctionOf(network.head);
  const logits: number[] = [];
  const features: Float32Array[] = [];
  for (let start = 0; start < images.length; start += batchSize) {
    const batch = images.slice(start, start + batchSize);
    const [z, pooled] = tf.tidy(() => {
      const map = network.backbone.featureModel.predict(normaliseGrey(greyBatch(batch, spec), spec)) as tf.Tensor4D;
      return [tf.reshape(logitOf(map), [-1]), tf.mean(map, [1, 2])];
    });
    logits.push(...z.dataSync());
    const size = pooled.shape[1]!;
    const values = pooled.dataSync();
    for (let i = 0; i < batch.length; i++) features.push(values.slice(i * size, (i + 1) * size) as Float32Array);
    tf.dispose([z, pooled]);
  }
  return { logits, features };
}
