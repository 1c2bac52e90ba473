import sharp from 'sharp';
import { AppError } from '@shared/ipc/errors';

export interface RasterInfo {
  width: number;
  height: number;
  thumbnail: Buffer;
}

export const THUMBNAIL_SIZE = 256;

/**
 * Decodes a PNG or JPEG fully (so truncated or corrupt data is caught here, not in the viewer)
 * and makes the worklist thumbnail. sharp (libvips) is used because it decodes in libuv's
 * thread pool: an import never blocks the main event loop.
 */
export async function readRasterImage(bytes: Buffer): Promise<RasterInfo> {
  try {
    const image = sharp(bytes, { failOn: 'warning', limitInputPixels: 100_000_000 });
    const meta = await image.metadata();
    if (!meta.width || !meta.height) throw new Error('image has no dimensions');
    const thumbnail = await image
      .clone()
      .rotate()
      .resize({ width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 80 })
      .toBuffer();
    return { width: meta.width, height: meta.height, thumbnail };
  } catch (error) {
    throw new AppError('BAD_INPUT', `cannot decode image: ${describeDecodeError(error)}`);
  }
}

function describeDecodeError(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const first = raw.split('\n').find((line) => line.trim().length > 0) ?? raw;
  if (/premature end|truncated|end of (input|file)/i.test(raw)) return 'the file is truncated (premature end of data)';
  if (/unsupported image format/i.test(raw)) return 'the data is not a valid image';
  if (/failOn/i.test(raw)) return 'the image data is corrupt';
  return first.replace(/^Vips\w*:\s*/, '').trim().slice(0, 200);
}
