import type * as tf from '@tensorflow/tfjs';
import type { BackboneKind, BackboneSource, PreprocessingSpec } from '@shared/ipc/pneumonia-contract';
import { loadMobileNetV2Backbone } from './mobilenetv2-backbone';
import { loadVgg16Backbone } from './vgg16-backbone';

/**
 * An ImageNet-style convolutional trunk that turns a preprocessed image into a feature map. The
 * pneumonia head sits on the feature map, so Grad-CAM can take gradients with respect to it.
 */
export interface Backbone {
  kind: BackboneKind;
  /** Human-readable, for the model's metadata (`MobileNetV2 alpha=0.35`). */
  architecture: string;
  /** [N, H, W, 3] preprocessed images to [N, h, w, C] feature maps. */
  featureModel: tf.LayersModel;
  /** [h, w, C]. */
  featureShape: [number, number, number];
  preprocessing: PreprocessingSpec;
  /** The layers unfrozen in phase 2, in forward order (they form a chain ending at the feature map). */
  lastBlockLayers: string[];
  pretrained: boolean;
  weightsSource: string | null;
}

/** The one place a backbone kind is turned into a model. */
export async function loadBackbone(source: BackboneSource): Promise<Backbone> {
  switch (source.kind) {
    case 'mobilenetv2':
      return loadMobileNetV2Backbone(source.weightsPath);
    case 'vgg16':
      return loadVgg16Backbone(source.weightsPath);
  }
}
