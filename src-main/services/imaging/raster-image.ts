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
    throw new AppError('BAD_INPUT', `cannot decode image: ${describeDecodeError(error, bytes)}`);
  }
}

/** A JPEG that does not end with its EOI marker, or a PNG without its IEND chunk at the end. */
function endsEarly(bytes: Buffer): boolean {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end -= 1;
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return !(bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9);
  if (bytes.subarray(1, 4).toString('latin1') === 'PNG') return !bytes.subarray(Math.max(0, bytes.length - 12)).includes('IEND');
  return false;
}

function describeDecodeError(error: unknown, bytes: Buffer): string {
  const raw = error instanceof Error ? error.message : String(error);
  const first = raw.split('\n').find((line) => line.trim().length > 0) ?? raw;
  // libvips' own message ("Premature end…") is not always attached: under concurrent decodes sharp
  // may report only "Warning treated as error due to failOn setting". The bytes tell the same story.
  if (/premature end|truncated|end of (input|file)/i.test(raw) || endsEarly(bytes)) return 'the file is truncated (premature end of data)';
  if (/unsupported image format/i.test(raw)) return 'the data is not a valid image';
  if (/failOn/i.test(raw)) return 'the image data is corrupt';
  return first.replace(/^Vips\w*:\s*/, '').trim().slice(0, 200);
}
