import type * as tf from '@tensorflow/tfjs';

/** [h, w, C] of a backbone's feature map, checked to be one. */
export function featureShapeOf(model: tf.LayersModel): [number, number, number] {
  const shape = model.outputs[0]!.shape;
  const [, h, w, c] = shape;
  if (shape.length !== 4 || !h || !w || !c) throw new Error(`A backbone must output a [h, w, C] feature map; this one outputs ${JSON.stringify(shape)}.`);
  return [h, w, c];
}
