import * as tf from '@tensorflow/tfjs';

export interface SplitBackbone {
  /** Image to the last block's input; always run frozen, in inference mode, outside the gradient tape. */
  trunk: tf.LayersModel;
  /** The last block (a chain of layers) to the feature map; sharing the backbone's weights. */
  tail: tf.LayersModel;
  /** The tail's conv and dense kernels and biases: what phase 2 trains (its BN layers stay frozen). */
  tailKernels: tf.LayerVariable[];
}

const cache = new WeakMap<tf.LayersModel, SplitBackbone>();

/**
 * Splits a backbone before its last block so fine-tuning records only the last block on the
 * gradient tape. The last block must be a chain (each layer fed by the one before), which holds
 * for MobileNetV2's block_16..out_relu and VGG16's block5.
 */
export function splitAtLastBlock(featureModel: tf.LayersModel, lastBlockLayers: readonly string[]): SplitBackbone {
  const cached = cache.get(featureModel);
  if (cached) return cached;
  const layers = lastBlockLayers.map((name) => featureModel.getLayer(name));
  if (layers.length === 0) throw new Error('The backbone names no last block.');
  layers.forEach((layer, i) => {
    const feeding = layer.inboundNodes[0]?.inboundLayers ?? [];
    if (i > 0 && (feeding.length !== 1 || feeding[0] !== layers[i - 1])) {
      throw new Error(`The backbone's last block is not a chain: ${layer.name} is not fed by ${layers[i - 1]!.name} alone.`);
    }
  });
  if (featureModel.outputs[0] !== layers[layers.length - 1]!.output) throw new Error('The backbone\'s last block does not end at its output.');
  const trunk = tf.model({ inputs: featureModel.inputs, outputs: layers[0]!.input as tf.SymbolicTensor, name: `${featureModel.name}_trunk` });
  const tailInput = tf.input({ shape: (layers[0]!.input as tf.SymbolicTensor).shape.slice(1) as number[], name: 'last_block_input' });
  let x: tf.SymbolicTensor = tailInput;
  for (const layer of layers) x = layer.apply(x) as tf.SymbolicTensor;
  const tail = tf.model({ inputs: tailInput, outputs: x, name: `${featureModel.name}_last_block` });
  const kernelClasses = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense']);
  const tailKernels = layers.filter((l) => kernelClasses.has(l.getClassName())).flatMap((l) => l.trainableWeights);
  const split = { trunk, tail, tailKernels };
  cache.set(featureModel, split);
  return split;
}
