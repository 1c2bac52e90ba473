import type { PreprocessingSpec } from '@shared/ipc/pneumonia-contract';
import { loadGrey } from './load-grey';
import type { PneumoniaSample } from './pneumonia-sample';
import { resizeGrey } from './preprocess';

/**
 * Every sample decoded once and kept resized to the model's input size as bytes (685 images at
 * 224x224 are 34 MB), so epochs after the first never decode a file again.
 */
export class ResizedImageCache {
  private readonly images = new Map<string, Uint8Array>();

  constructor(readonly spec: Pick<PreprocessingSpec, 'width' | 'height'>) {}

  async load(samples: readonly PneumoniaSample[], onProgress?: (done: number, total: number) => void, concurrency = 4): Promise<void> {
    const pending = samples.filter((s) => !this.images.has(s.path));
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < pending.length) {
        const sample = pending[next++]!;
        try {
          this.images.set(sample.path, await resizeGrey(await loadGrey(sample), this.spec));
        } catch (error) {
          throw new Error(`Cannot read ${sample.path}: ${error instanceof Error ? error.message : String(error)}`);
        }
        onProgress?.(++done, pending.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, pending.length) }, worker));
  }

  get(sample: Pick<PneumoniaSample, 'path'>): Uint8Array {
    const image = this.images.get(sample.path);
    if (!image) throw new Error(`${sample.path} was not loaded into the image cache.`);
    return image;
  }
}
