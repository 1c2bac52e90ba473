import sharp from 'sharp';
import { THUMBNAIL_SIZE } from '../raster-image';
import type { GreyImage } from './dicom-image';

/** The worklist thumbnail of a DICOM image (its first frame in the default window), or a plain tile for an object without pixels. */
export async function dicomThumbnail(preview: GreyImage | null): Promise<Buffer> {
  const image = preview
    ? sharp(preview.data, { raw: { width: preview.width, height: preview.height, channels: preview.channels } })
    : sharp({ create: { width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE, channels: 3, background: { r: 48, g: 52, b: 60 } } });
  return image
    .resize({ width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 80 })
    .toBuffer();
}
