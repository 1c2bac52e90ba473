import { tf } from '../tfjs';

/** The recipe's ImageDataGenerator settings for chest X-rays. */
export const XRAY_AUGMENTATION = {
  rotationDegrees: 10,
  zoom: 0.1,
  /** Keras reads shear_range in degrees, so the recipe's 0.1 is a slight shear; kept as Keras means it. */
  shearDegrees: 0.1,
  horizontalFlip: true,
  brightness: [0.8, 1.2] as const,
} as const;

/**
 * Random rotation, zoom, shear and horizontal flip as one projective matrix per image, applied
 * in one batched `tf.image.transform` (bilinear, nearest fill as Keras's fill_mode='nearest'),
 * then a random brightness factor per image, clipped to 0-255 as PIL's enhancer does.
 * Works on grey 0-255 batches [N, H, W, 1], before normalisation. `random` gives [0, 1).
 */
export function augmentXrays(grey: tf.Tensor4D, random: () => number): tf.Tensor4D {
  const [count, height, width] = grey.shape;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const uniform = (low: number, high: number) => low + random() * (high - low);
  const transforms = new Float32Array(count * 8);
  const brightness = new Float32Array(count);
  const s = XRAY_AUGMENTATION;
  for (let i = 0; i < count; i++) {
    const theta = (uniform(-s.rotationDegrees, s.rotationDegrees) * Math.PI) / 180;
    const shear = (uniform(-s.shearDegrees, s.shearDegrees) * Math.PI) / 180;
    const zx = uniform(1 - s.zoom, 1 + s.zoom);
    const zy = uniform(1 - s.zoom, 1 + s.zoom);
    const flip = s.horizontalFlip && random() < 0.5 ? -1 : 1;
    // Output pixel -> input pixel, about the centre: rotation x shear x zoom (Keras's order) x flip.
    const m00 = Math.cos(theta) * zx;
    const m01 = (-Math.cos(theta) * Math.sin(shear) - Math.sin(theta) * Math.cos(shear)) * zy;
    const m10 = Math.sin(theta) * zx;
    const m11 = (-Math.sin(theta) * Math.sin(shear) + Math.cos(theta) * Math.cos(shear)) * zy;
    const a0 = m00 * flip;
    const b0 = m10 * flip;
    transforms.set([a0, m01, cx - a0 * cx - m01 * cy, b0, m11, cy - b0 * cx - m11 * cy, 0, 0], i * 8);
    brightness[i] = uniform(s.brightness[0], s.brightness[1]);
  }
  return tf.tidy(() => {
    const moved = tf.image.transform(grey, tf.tensor2d(transforms, [count, 8]), 'bilinear', 'nearest');
    return tf.clipByValue(tf.mul(moved, tf.tensor4d(brightness, [count, 1, 1, 1])), 0, 255) as tf.Tensor4D;
  });
}
