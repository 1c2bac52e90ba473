import type * as tf from '@tensorflow/tfjs';

/**
 * The layer Grad-CAM is taken on: the backbone's own feature map (MobileNetV2: out_relu, 7x7 at
 * 224), which the scorer samples at half-cell offsets for a 14x14 map. The earlier 14x14 layer
 * (block_13_expand_relu) was measured and rejected: on the dev test split's 61 pneumonias its peak
 * fell in the lung fields for 13 % (two thirds on the map's outer ring, zero padding's edge
 * effect), against 43 % for the plain 7x7 map (bench/results/ood.json). Versions record the layer
 * they were made with (metadata.heatmapLayer); older ones get this one.
 */
export function heatmapLayerOf(featureModel: tf.LayersModel): string {
  return featureModel.outputs[0]!.sourceLayer.name;
}
