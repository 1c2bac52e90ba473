import { tf } from '../tfjs';

/** The head's pre-sigmoid output: Grad-CAM differentiates it (the probability saturates). */
export const LOGIT_LAYER = 'logit';

/**
 * The recipe's classifier on the backbone's feature map: GAP, Dense(256, relu), BN, Dropout(0.5),
 * Dense(64, relu), Dropout(0.3), Dense(1) and a sigmoid. It is its own model whose input is the
 * feature map, so the backbone can run in inference mode and Grad-CAM can differentiate with
 * respect to the feature map. The last Dense is linear with the sigmoid as a separate layer.
 */
export function buildPneumoniaHead(featureShape: [number, number, number], seed: number): tf.LayersModel {
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: seed + offset });
  const input = tf.input({ shape: featureShape, name: 'feature_map' });
  let x = tf.layers.globalAveragePooling2d({ name: 'head_gap' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 256, activation: 'relu', kernelInitializer: init(1), name: 'head_dense_256' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'head_bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.5, seed: seed + 2, name: 'head_dropout_05' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: init(3), name: 'head_dense_64' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.3, seed: seed + 4, name: 'head_dropout_03' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 1, kernelInitializer: init(5), name: LOGIT_LAYER }).apply(x) as tf.SymbolicTensor;
  const probability = tf.layers.activation({ activation: 'sigmoid', name: 'probability' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: probability, name: 'pneumonia_head' });
}

/** The same layers, stopping at the logit (shares the head's weights). */
export function logitModelOf(head: tf.LayersModel): tf.LayersModel {
  return tf.model({ inputs: head.inputs, outputs: head.getLayer(LOGIT_LAYER).output as tf.SymbolicTensor, name: 'pneumonia_head_logit' });
}

/**
 * Feature map to logit in inference mode. Heads without a logit layer (older or foreign models):
 * the logit recovered from the probability.
 */
export function logitFunctionOf(head: tf.LayersModel): (features: tf.Tensor) => tf.Tensor {
  if (head.layers.some((l) => l.name === LOGIT_LAYER)) {
    const logitHead = logitModelOf(head);
    return (features) => logitHead.apply(features, { training: false }) as tf.Tensor;
  }
  return (features) => {
    const p = tf.clipByValue(head.apply(features, { training: false }) as tf.Tensor, 1e-7, 1 - 1e-7);
    return tf.sub(tf.log(p), tf.log1p(tf.neg(p)));
  };
}
