import { tf } from '../tfjs';
import type { PreprocessingSpec } from '@shared/ipc/pneumonia-contract';
import type { Backbone } from './backbone';
import { loadKerasH5Weights } from './keras-h5-weights';
import { assignWeightsByName, readLayersModelWeights } from './layers-model-weights';

/** Filters of each of VGG16's five convolutional blocks, and how many 3x3 convolutions each has. */
const BLOCKS: readonly { filters: number; convs: number }[] = [
  { filters: 64, convs: 2 },
  { filters: 128, convs: 2 },
  { filters: 256, convs: 3 },
  { filters: 512, convs: 3 },
  { filters: 512, convs: 3 },
];

export const VGG16_INPUT_SIZE = 224;

/** The layers phase 2 of training unfreezes: VGG16's last convolutional block. */
export const VGG16_LAST_BLOCK = ['block5_conv1', 'block5_conv2', 'block5_conv3', 'block5_pool'] as const;

/** Keras `vgg16.preprocess_input` on a 224x224 image whose grey value is copied to R, G and B. */
export const VGG16_PREPROCESSING: PreprocessingSpec = {
  colour: 'grayscale-to-rgb',
  width: VGG16_INPUT_SIZE,
  height: VGG16_INPUT_SIZE,
  resize: 'bilinear',
  normalisation: 'caffe',
};

/** The Keras names of VGG16's layers without top, in order (the names its `.h5` weights are stored under). */
export const VGG16_LAYER_NAMES: readonly string[] = BLOCKS.flatMap(({ convs }, b) => [
  ...Array.from({ length: convs }, (_, c) => `block${b + 1}_conv${c + 1}`),
  `block${b + 1}_pool`,
]);

/**
 * Keras `VGG16(include_top=False)`, layer for layer and with Keras's layer names, so that its
 * pretrained notop weights load by name. The output is block5_pool's 7x7x512 feature map, not
 * pooled: the pneumonia head applies its own global average pooling and Grad-CAM needs the map.
 */
export function buildVgg16Backbone(inputSize = VGG16_INPUT_SIZE): tf.Sequential {
  const model = tf.sequential({ name: 'vgg16' });
  BLOCKS.forEach(({ filters, convs }, b) => {
    for (let c = 0; c < convs; c++) {
      model.add(
        tf.layers.conv2d({
          name: `block${b + 1}_conv${c + 1}`,
          filters,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          ...(b === 0 && c === 0 ? { inputShape: [inputSize, inputSize, 3] } : {}),
        }),
      );
    }
    model.add(tf.layers.maxPooling2d({ name: `block${b + 1}_pool`, poolSize: 2, strides: 2 }));
  });
  return model;
}

/**
 * VGG16 with ImageNet weights from a Keras notop `.h5` or a TensorFlow.js layers model folder
 * (mapped by layer name either way), or freshly initialised when `weightsPath` is null.
 */
export async function loadVgg16Backbone(weightsPath: string | null): Promise<Backbone> {
  const featureModel = buildVgg16Backbone();
  try {
    if (weightsPath && weightsPath.toLowerCase().endsWith('.h5')) await loadKerasH5Weights(featureModel, weightsPath);
    else if (weightsPath) assignWeightsByName(featureModel, readLayersModelWeights(weightsPath).weights, weightsPath);
  } catch (error) {
    featureModel.dispose();
    throw error;
  }
  return {
    kind: 'vgg16',
    architecture: 'VGG16 (to block5_pool)',
    featureModel,
    featureShape: [7, 7, 512],
    // Keras's caffe-style input for ImageNet weights; from scratch, plain [0, 1] as for MobileNetV2.
    preprocessing: weightsPath ? VGG16_PREPROCESSING : { ...VGG16_PREPROCESSING, normalisation: 'unit' },
    lastBlockLayers: [...VGG16_LAST_BLOCK],
    pretrained: weightsPath !== null,
    weightsSource: weightsPath,
  };
}
