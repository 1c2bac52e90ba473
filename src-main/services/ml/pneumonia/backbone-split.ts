import { tf } from '../tfjs';

export interface SplitBackbone {
  /** Image to the last block's input; always run frozen, in inference mode, outside the gradient tape. */
  trunk: tf.LayersModel;
  /** The last block (a chain of layers) to the feature map; sharing the backbone's weights. */
  tail: tf.LayersModel;
  /** The tail's conv and dense kernels and biases: what phase 2 trains (its BN layers stay frozen). */
  tailKernels: tf.LayerVariable[];
}

/** A backbone cut after one layer: image to that layer's output, and that output to the feature map. */
export interface LayerSplit {
  layer: string;
  trunk: tf.LayersModel;
  tail: tf.LayersModel;
}

const cache = new WeakMap<tf.LayersModel, SplitBackbone>();
const layerCache = new WeakMap<tf.LayersModel, Map<string, LayerSplit>>();

// A layer's first node is its place in the backbone itself; splits re-apply layers, adding nodes after it.
const inputOf = (layer: tf.layers.Layer) => layer.inboundNodes[0]!.inputTensors[0]!;
const outputOf = (layer: tf.layers.Layer) => layer.inboundNodes[0]!.outputTensors[0]!;

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
  if (featureModel.outputs[0] !== outputOf(layers[layers.length - 1]!)) throw new Error('The backbone\'s last block does not end at its output.');
  const trunk = tf.model({ inputs: featureModel.inputs, outputs: inputOf(layers[0]!), name: `${featureModel.name}_trunk` });
  const tailInput = tf.input({ shape: inputOf(layers[0]!).shape.slice(1) as number[], name: 'last_block_input' });
  let x: tf.SymbolicTensor = tailInput;
  for (const layer of layers) x = layer.apply(x) as tf.SymbolicTensor;
  const tail = tf.model({ inputs: tailInput, outputs: x, name: `${featureModel.name}_last_block` });
  const kernelClasses = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense']);
  const tailKernels = layers.filter((l) => kernelClasses.has(l.getClassName())).flatMap((l) => l.trainableWeights);
  const split = { trunk, tail, tailKernels };
  cache.set(featureModel, split);
  return split;
}

/**
 * Cuts a backbone after `layerName`: the tail is rebuilt by re-applying every layer between the
 * cut and the output (weights shared) to a new input, walking the graph back from the output, so
 * residual Add layers inside it are rebuilt with both their branches. Fails when any path from
 * the image reaches the output around the cut (a skip connection across it).
 */
export function splitAtLayer(featureModel: tf.LayersModel, layerName: string): LayerSplit {
  const splits = layerCache.get(featureModel) ?? new Map<string, LayerSplit>();
  layerCache.set(featureModel, splits);
  const cached = splits.get(layerName);
  if (cached) return cached;
  const cut = outputOf(featureModel.getLayer(layerName));
  const tailInput = tf.input({ shape: cut.shape.slice(1) as number[], name: `${layerName}_cut` });
  const rebuilt = new Map<number, tf.SymbolicTensor>([[cut.id, tailInput]]);
  const rebuild = (t: tf.SymbolicTensor): tf.SymbolicTensor => {
    const done = rebuilt.get(t.id);
    if (done) return done;
    if (t.inputs.length === 0) throw new Error(`The backbone cannot be cut at ${layerName}: ${t.sourceLayer.name} reaches its output around the cut.`);
    const inputs = t.inputs.map(rebuild);
    const out = t.sourceLayer.apply(inputs.length === 1 ? inputs[0]! : inputs, t.callArgs) as tf.SymbolicTensor;
    rebuilt.set(t.id, out);
    return out;
  };
  const split: LayerSplit = {
    layer: layerName,
    trunk: tf.model({ inputs: featureModel.inputs, outputs: cut, name: `${featureModel.name}_to_${layerName}` }),
    tail: tf.model({ inputs: tailInput, outputs: rebuild(featureModel.outputs[0]!), name: `${featureModel.name}_after_${layerName}` }),
  };
  splits.set(layerName, split);
  return split;
}
