import { tf } from '../tfjs';
import sharp from 'sharp';
import type { PreprocessingSpec } from '@shared/ipc/pneumonia-contract';
import type { GreyImage } from '../../imaging/dicom/dicom-image';

/** Keras's caffe preprocessing subtracts these from B, G, R (ImageNet means). */
const CAFFE_BGR_MEANS = [103.939, 116.779, 123.68] as const;

/**
 * Resizes a grey image to the model's input size: bilinear (libvips's linear kernel, which
 * also averages properly when shrinking a 2000-pixel radiograph to 224), aspect ratio not kept,
 * as Keras's target_size does. Training, evaluation and scoring all come through here.
 */
export async function resizeGrey(image: GreyImage, spec: Pick<PreprocessingSpec, 'width' | 'height'>): Promise<Uint8Array> {
  const grey = image.channels === 1 ? image.data : luminance(image);
  if (image.width === spec.width && image.height === spec.height) return Uint8Array.from(grey);
  const out = await sharp(grey, { raw: { width: image.width, height: image.height, channels: 1 } })
    .resize(spec.width, spec.height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  // sharp may hand back more than one channel for single-channel input in some builds.
  const channels = out.byteLength / (spec.width * spec.height);
  if (channels === 1) return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  return Uint8Array.from({ length: spec.width * spec.height }, (_, i) => out[i * channels]!);
}

function luminance(image: GreyImage): Uint8Array {
  const grey = new Uint8Array(image.width * image.height);
  for (let i = 0; i < grey.length; i++) grey[i] = Math.round(0.299 * image.data[i * 3]! + 0.587 * image.data[i * 3 + 1]! + 0.114 * image.data[i * 3 + 2]!);
  return grey;
}

/** Resized grey images ([H*W] bytes each) to a float batch [N, H, W, 1] of 0-255 values, for augmentation. */
export function greyBatch(images: readonly Uint8Array[], spec: Pick<PreprocessingSpec, 'width' | 'height'>): tf.Tensor4D {
  const size = spec.width * spec.height;
  const values = new Float32Array(images.length * size);
  images.forEach((image, i) => {
    if (image.length !== size) throw new Error(`A resized image has ${image.length} pixels; the model expects ${spec.width}x${spec.height}.`);
    values.set(image, i * size);
  });
  return tf.tensor4d(values, [images.length, spec.height, spec.width, 1]);
}

/**
 * Grey 0-255 [N, H, W, 1] to the backbone's input [N, H, W, 3]: the grey value copied to three
 * channels, then the backbone's normalisation (see PreprocessingSpec). The normalisation runs on
 * the one grey channel and its last step broadcasts it to three (the same values as normalising
 * three copies): wasm's Tile, the obvious way to copy it, took 16 ms an image at 224.
 */
export function normaliseGrey(grey: tf.Tensor4D, spec: Pick<PreprocessingSpec, 'normalisation'>): tf.Tensor4D {
  return tf.tidy(() => {
    switch (spec.normalisation) {
      case 'mobilenet':
        return tf.sub(tf.div(grey, 127.5), tf.ones([3]));
      case 'unit':
        return tf.div(grey, tf.fill([3], 255));
      case 'caffe':
        // Grey is the same in R, G and B, so the BGR reordering only changes which mean goes where.
        return tf.sub(grey, tf.tensor1d([...CAFFE_BGR_MEANS]));
    }
  });
}

/** One grey image to the model's input [1, H, W, 3]. */
export async function preprocessImage(image: GreyImage, spec: PreprocessingSpec): Promise<tf.Tensor4D> {
  const pixels = await resizeGrey(image, spec);
  return tf.tidy(() => normaliseGrey(greyBatch([pixels], spec), spec));
}
