import type { ImageFormat } from '@shared/domain/study';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Recognises a file by its first bytes, never by its name: extensions lie. */
export function sniffFormat(head: Uint8Array): ImageFormat | null {
  if (head.length >= 8 && PNG_SIGNATURE.every((b, i) => head[i] === b)) return 'png';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (
    head.length >= 132 &&
    head[128] === 0x44 && // D
    head[129] === 0x49 && // I
    head[130] === 0x43 && // C
    head[131] === 0x4d // M
  ) {
    return 'dicom';
  }
  return null;
}

/** Bytes `hasImageSignature` needs: through the "DICM" marker after the 128-byte preamble. */
export const SIGNATURE_BYTES = 132;

/** Where a raw DICOM data set may start: at 0, or after a few stray bytes the decoder reports. */
const RAW_DICOM_OFFSETS = [0, 1, 2, 3];
/** Groups a data set may begin with: command, file meta, identifying. */
const FIRST_GROUPS = new Set([0x0000, 0x0002, 0x0008]);

/**
 * Whether a file's first bytes could start an image this application reads: PNG, JPEG, Part 10
 * DICOM, or a DICOM data set without its preamble (an element of group 0000, 0002 or 0008 in
 * either byte order). Anything else is refused before it is read whole or decoded.
 */
export function hasImageSignature(head: Uint8Array): boolean {
  if (sniffFormat(head) !== null) return true;
  // A run of zeros would pass for a group-0000 element; no real data set starts that way.
  if (head.subarray(0, SIGNATURE_BYTES).every((b) => b === 0)) return false;
  return RAW_DICOM_OFFSETS.some(
    (at) =>
      at + 8 <= head.length &&
      (FIRST_GROUPS.has(head[at]! | (head[at + 1]! << 8)) || FIRST_GROUPS.has((head[at]! << 8) | head[at + 1]!)),
  );
}
