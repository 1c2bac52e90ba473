import { IMAGE_BYTES, RECORD_BYTES, type CifarSplit } from './cifar-dataset';

/**
 * The official binary release: records of 1 label byte and 3072 pixel bytes (the R plane, then
 * G, then B, each 32x32 row-major). We keep pixels in HWC order, as tensors want them.
 */
export function parseCifarBinary(bytes: Uint8Array, source: string): CifarSplit {
  if (bytes.length === 0 || bytes.length % RECORD_BYTES !== 0) {
    throw new Error(
      `${source} is not a CIFAR-10 binary batch: its size (${bytes.length} bytes) is not a multiple of ${RECORD_BYTES} (1 label byte + 3072 pixel bytes).`,
    );
  }
  const count = bytes.length / RECORD_BYTES;
  const pixels = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const record = i * RECORD_BYTES;
    const label = bytes[record]!;
    if (label > 9) throw new Error(`${source} is not a CIFAR-10 binary batch: record ${i} has label ${label} (expected 0-9).`);
    labels[i] = label;
    const out = i * IMAGE_BYTES;
    for (let p = 0; p < 1024; p++) {
      pixels[out + p * 3] = bytes[record + 1 + p]!;
      pixels[out + p * 3 + 1] = bytes[record + 1 + 1024 + p]!;
      pixels[out + p * 3 + 2] = bytes[record + 1 + 2048 + p]!;
    }
  }
  return { count, pixels, labels };
}

export function toCifarBinary(split: CifarSplit): Uint8Array {
  const bytes = new Uint8Array(split.count * RECORD_BYTES);
  for (let i = 0; i < split.count; i++) {
    const record = i * RECORD_BYTES;
    bytes[record] = split.labels[i]!;
    const from = i * IMAGE_BYTES;
    for (let p = 0; p < 1024; p++) {
      bytes[record + 1 + p] = split.pixels[from + p * 3]!;
      bytes[record + 1 + 1024 + p] = split.pixels[from + p * 3 + 1]!;
      bytes[record + 1 + 2048 + p] = split.pixels[from + p * 3 + 2]!;
    }
  }
  return bytes;
}

export function concatSplits(splits: readonly CifarSplit[]): CifarSplit {
  const count = splits.reduce((n, s) => n + s.count, 0);
  const pixels = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const s of splits) {
    pixels.set(s.pixels, at * IMAGE_BYTES);
    labels.set(s.labels, at);
    at += s.count;
  }
  return { count, pixels, labels };
}
