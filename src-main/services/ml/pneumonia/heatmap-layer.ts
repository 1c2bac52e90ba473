import type * as tf from '@tensorflow/tfjs';
import { splitAtLayer } from './backbone-split';

/**
 * The layer Grad-CAM is taken on: the last one whose output is twice the feature map's size
 * (14x14 for a 7x7 map at 224) and at which the backbone can be cut. A 7x7 map puts a whole lobe
 * in one cell; one stage earlier still sees the whole image (MobileNetV2: block_13_expand_relu,
 * VGG16: block5_conv3). Older models record no layer; this picks the same one for them. A
 * backbone with no such layer (a small or foreign one) is explained on its feature map itself.
 */
export function heatmapLayerOf(featureModel: tf.LayersModel): string {
  const [, h, w] = featureModel.outputs[0]!.shape;
  const candidates = featureModel.layers.filter((layer) => {
    const shape = layer.inboundNodes[0]?.outputTensors[0]?.shape;
    return shape?.length === 4 && shape[1] === 2 * h! && shape[2] === 2 * w!;
  });
  for (const layer of candidates.reverse()) {
    try {
      splitAtLayer(featureModel, layer.name);
      return layer.name;
    } catch {
      // A skip connection crosses this layer; try the one before.
    }
  }
  return featureModel.outputs[0]!.sourceLayer.name;
}
