import { tf } from '../tfjs';
import type { Backbone } from './backbone';
import { featureShapeOf } from './feature-shape';
import { assignWeightsByName, readLayersModelWeights } from './layers-model-weights';

const INPUT_SIZE = 224;
/** Width multipliers Keras publishes weights for; the file's weights tell which one it is. */
const ALPHAS = [0.35, 0.5, 0.75, 1.0, 1.3, 1.4] as const;

/** (filters, stride, expansion) of Keras's inverted residual blocks 1..16. */
const BLOCKS: readonly [number, number, number][] = [
  [24, 2, 6], [24, 1, 6],
  [32, 2, 6], [32, 1, 6], [32, 1, 6],
  [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6],
  [96, 1, 6], [96, 1, 6], [96, 1, 6],
  [160, 2, 6], [160, 1, 6], [160, 1, 6],
  [320, 1, 6],
];

export const MOBILENETV2_LAST_BLOCK = [
  'block_16_expand', 'block_16_expand_BN', 'block_16_expand_relu',
  'block_16_depthwise', 'block_16_depthwise_BN', 'block_16_depthwise_relu',
  'block_16_project', 'block_16_project_BN',
  'Conv_1', 'Conv_1_bn', 'out_relu',
];

function makeDivisible(value: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((value + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * value ? rounded + divisor : rounded;
}

/** Keras's correct_pad: asymmetric zero padding so a stride-2 3x3 'valid' convolution matches TF's 'same'. */
function correctPad(size: number): [[number, number], [number, number]] {
  const adjust = 1 - (size % 2);
  return [[1 - adjust, 1], [1 - adjust, 1]];
}

const bn = (name: string) => tf.layers.batchNormalization({ axis: -1, epsilon: 1e-3, momentum: 0.999, name });
const relu6 = (name: string) => tf.layers.reLU({ maxValue: 6, name });

/**
 * Keras's MobileNetV2 without its top, layer for layer and name for name (so Keras and
 * Teachable Machine weights load by name), ending at `out_relu`. TensorFlow.js has no builder.
 */
export function buildMobileNetV2(alpha: number, size = INPUT_SIZE): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x = tf.layers.zeroPadding2d({ padding: correctPad(size), name: 'Conv1_pad' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: makeDivisible(32 * alpha), kernelSize: 3, strides: 2, padding: 'valid', useBias: false, name: 'Conv1' }).apply(x) as tf.SymbolicTensor;
  x = relu6('Conv1_relu').apply(bn('bn_Conv1').apply(x)) as tf.SymbolicTensor;
  const block = (inputs: tf.SymbolicTensor, filters: number, stride: number, expansion: number, id: number): tf.SymbolicTensor => {
    const inChannels = inputs.shape[3]!;
    const pointwise = makeDivisible(Math.trunc(filters * alpha));
    const prefix = id === 0 ? 'expanded_conv_' : `block_${id}_`;
    let h = inputs;
    if (id > 0) {
      h = tf.layers.conv2d({ filters: expansion * inChannels, kernelSize: 1, padding: 'same', useBias: false, name: `${prefix}expand` }).apply(h) as tf.SymbolicTensor;
      h = relu6(`${prefix}expand_relu`).apply(bn(`${prefix}expand_BN`).apply(h)) as tf.SymbolicTensor;
    }
    if (stride === 2) h = tf.layers.zeroPadding2d({ padding: correctPad(h.shape[1]!), name: `${prefix}pad` }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: stride === 1 ? 'same' : 'valid', useBias: false, name: `${prefix}depthwise` }).apply(h) as tf.SymbolicTensor;
    h = relu6(`${prefix}depthwise_relu`).apply(bn(`${prefix}depthwise_BN`).apply(h)) as tf.SymbolicTensor;
    h = tf.layers.conv2d({ filters: pointwise, kernelSize: 1, padding: 'same', useBias: false, name: `${prefix}project` }).apply(h) as tf.SymbolicTensor;
    h = bn(`${prefix}project_BN`).apply(h) as tf.SymbolicTensor;
    if (inChannels === pointwise && stride === 1) h = tf.layers.add({ name: `${prefix}add` }).apply([inputs, h]) as tf.SymbolicTensor;
    return h;
  };
  x = block(x, 16, 1, 1, 0);
  BLOCKS.forEach(([filters, stride, expansion], i) => {
    x = block(x, filters, stride, expansion, i + 1);
  });
  x = tf.layers.conv2d({ filters: alpha > 1 ? makeDivisible(1280 * alpha) : 1280, kernelSize: 1, useBias: false, name: 'Conv_1' }).apply(x) as tf.SymbolicTensor;
  x = relu6('out_relu').apply(bn('Conv_1_bn').apply(x)) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x, name: `mobilenetv2_${alpha}_${size}` });
}

function alphaOf(weights: Map<string, tf.Tensor>, source: string): number {
  const projectChannels = weights.get('block_16_project/kernel')?.shape[3];
  const alpha = ALPHAS.find((a) => makeDivisible(Math.trunc(320 * a)) === projectChannels);
  if (alpha === undefined) throw new Error(`${source} is not a Keras MobileNetV2 (no block_16_project kernel of a known width).`);
  return alpha;
}

/**
 * MobileNetV2 up to `out_relu` (7x7x1280 at 224): with ImageNet weights from a TensorFlow.js
 * layers model (any model that contains Keras's MobileNetV2 layers, such as a Teachable Machine
 * export, whose pooling and classifier are dropped), or freshly initialised (alpha 0.35) when
 * `weightsPath` is null.
 */
export async function loadMobileNetV2Backbone(weightsPath: string | null): Promise<Backbone> {
  let featureModel: tf.LayersModel;
  let alpha = 0.35;
  if (weightsPath) {
    const { weights } = readLayersModelWeights(weightsPath);
    try {
      alpha = alphaOf(weights, weightsPath);
    } catch (error) {
      for (const t of weights.values()) t.dispose();
      throw error;
    }
    featureModel = buildMobileNetV2(alpha);
    assignWeightsByName(featureModel, weights, weightsPath);
  } else {
    featureModel = buildMobileNetV2(alpha);
  }
  return {
    kind: 'mobilenetv2',
    architecture: `MobileNetV2 alpha=${alpha} (to out_relu)`,
    featureModel,
    featureShape: featureShapeOf(featureModel),
    // Keras's mobilenet_v2.preprocess_input for ImageNet weights; from scratch, plain [0, 1].
    preprocessing: { colour: 'grayscale-to-rgb', width: INPUT_SIZE, height: INPUT_SIZE, resize: 'bilinear', normalisation: weightsPath ? 'mobilenet' : 'unit' },
    lastBlockLayers: [...MOBILENETV2_LAST_BLOCK],
    pretrained: weightsPath !== null,
    weightsSource: weightsPath,
  };
}
