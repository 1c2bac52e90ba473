import type { ImageFormat } from '@shared/domain/study';

const TAIL_WINDOW = 1024;

/**
 * Says whether a PNG or JPEG stops before its end marker. libvips reports truncation only as a
 * warning whose text it does not always keep, so this check makes the import's reason reliable.
 */
export function isTruncated(bytes: Uint8Array, format: Extract<ImageFormat, 'png' | 'jpeg'>): boolean {
  const tailStart = Math.max(0, bytes.length - TAIL_WINDOW);
  if (format === 'jpeg') {
    // End-of-image marker FF D9; encoders may pad a few bytes after it.
    for (let i = bytes.length - 2; i >= tailStart; i--) {
      if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return false;
    }
    return true;
  }
  // The IEND chunk type, followed by its 4-byte CRC.
  for (let i = bytes.length - 8; i >= tailStart; i--) {
    if (bytes[i] === 0x49 && bytes[i + 1] === 0x45 && bytes[i + 2] === 0x4e && bytes[i + 3] === 0x44) return false;
  }
  return true;
}
