import { tf } from '../tfjs';
import type { Backbone } from './backbone';
import { buildPneumoniaHead } from './pneumonia-head';
import { greyBatch, normaliseGrey } from './preprocess';

/** A backbone and the head on its feature map: what training changes and scoring runs. */
export interface PneumoniaNetwork {
  backbone: Backbone;
  head: tf.LayersModel;
}

export function createPneumoniaNetwork(backbone: Backbone, seed: number): PneumoniaNetwork {
  return { backbone, head: buildPneumoniaHead(backbone.featureShape, seed) };
}

/**
 * Probabilities of pneumonia for resized grey images, in inference mode, `batchSize` at a time.
 * With `flip`, each image's probability is the mean of its own and its mirror image's.
 */
export function predictProbabilities(network: PneumoniaNetwork, images: readonly Uint8Array[], batchSize = 16, flip = false): Float32Array {
  const out = new Float32Array(images.length);
  const spec = network.backbone.preprocessing;
  for (let start = 0; start < images.length; start += batchSize) {
    const batch = images.slice(start, start + batchSize);
    const probabilities = tf.tidy(() => {
      const input = normaliseGrey(greyBatch(batch, spec), spec);
      const probability = (x: tf.Tensor4D) => network.head.predict(network.backbone.featureModel.predict(x) as tf.Tensor) as tf.Tensor;
      return flip ? tf.div(tf.add(probability(input), probability(tf.reverse(input, 2))), 2) : probability(input);
    });
    out.set(probabilities.dataSync(), start);
    probabilities.dispose();
  }
  return out;
}

export function disposeNetwork(network: PneumoniaNetwork): void {
  network.backbone.featureModel.dispose();
  network.head.dispose();
}
