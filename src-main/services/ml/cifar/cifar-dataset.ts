/** CIFAR-10 images in memory: N images of 32x32 RGB, row-major HWC bytes, with labels 0-9. */
export interface CifarSplit {
  readonly count: number;
  /** count * 3072 bytes, image i at i*3072, pixels in HWC order. */
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
}

export interface CifarDataset {
  train: CifarSplit;
  test: CifarSplit;
}

export const IMAGE_BYTES = 32 * 32 * 3;
export const RECORD_BYTES = 1 + IMAGE_BYTES;

/** A class-balanced subset of `count` images (all of them when `count` is not smaller). */
export function takeSubset(split: CifarSplit, count: number): CifarSplit {
  if (count >= split.count) return split;
  // Round-robin over classes so a small quick-run subset still holds every class.
  const byClass: number[][] = Array.from({ length: 10 }, () => []);
  for (let i = 0; i < split.count; i++) byClass[split.labels[i]!]!.push(i);
  const chosen: number[] = [];
  for (let k = 0; chosen.length < count; k++) {
    for (const indices of byClass) if (k < indices.length && chosen.length < count) chosen.push(indices[k]!);
  }
  return selectImages(split, chosen);
}

export function selectImages(split: CifarSplit, indices: readonly number[]): CifarSplit {
  const pixels = new Uint8Array(indices.length * IMAGE_BYTES);
  const labels = new Uint8Array(indices.length);
  indices.forEach((source, i) => {
    pixels.set(split.pixels.subarray(source * IMAGE_BYTES, (source + 1) * IMAGE_BYTES), i * IMAGE_BYTES);
    labels[i] = split.labels[source]!;
  });
  return { count: indices.length, pixels, labels };
}
