import { tf } from '../tfjs';

/** The textbook's ImageDataGenerator settings. */
export const AUGMENTATION = {
  rotationDegrees: 15,
  widthShift: 0.1,
  heightShift: 0.1,
  zoom: 0.1,
  horizontalFlip: true,
} as const;

/**
 * Random rotation, shift, zoom and horizontal flip, composed into one affine map per image and
 * applied with bilinear sampling and nearest fill (Keras's fill_mode='nearest').
 * `random` returns uniform numbers in [0, 1).
 */
export function augmentBatch(images: tf.Tensor4D, random: () => number): tf.Tensor4D {
  const [count, height, width] = images.shape;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const uniform = (range: number) => (random() * 2 - 1) * range;
  const transforms = new Float32Array(count * 8);
  for (let i = 0; i < count; i++) {
    const angle = (uniform(AUGMENTATION.rotationDegrees) * Math.PI) / 180;
    const zx = 1 + uniform(AUGMENTATION.zoom);
    const zy = 1 + uniform(AUGMENTATION.zoom);
    const tx = uniform(AUGMENTATION.widthShift) * width;
    const ty = uniform(AUGMENTATION.heightShift) * height;
    const flip = AUGMENTATION.horizontalFlip && random() < 0.5 ? -1 : 1;
    // Output pixel -> input pixel: input = R(angle) * diag(zx, zy) * flip(out - centre) + centre + shift.
    const a0 = Math.cos(angle) * zx * flip;
    const a1 = -Math.sin(angle) * zy;
    const b0 = Math.sin(angle) * zx * flip;
    const b1 = Math.cos(angle) * zy;
    transforms.set([a0, a1, cx + tx - (a0 * cx + a1 * cy), b0, b1, cy + ty - (b0 * cx + b1 * cy), 0, 0], i * 8);
  }
  return tf.tidy(() => tf.image.transform(images, tf.tensor2d(transforms, [count, 8]), 'bilinear', 'nearest'));
}

export { seededRandom } from './seeded-random';
