import { THUMBNAIL_BATCH_MAX } from '@shared/ipc/limits';
import { encodeBase64 } from '@shared/ipc/wire-codec';
import { ApiError, call } from './api';

/** Several screens of worklist; older entries are dropped so a long list does not hold every thumbnail. */
const CAPACITY = 1500;

/** Thumbnail URLs by image id, least recently used first (a Map keeps insertion order). */
const cache = new Map<number, Promise<string>>();

interface Waiter {
  resolve: (url: string) => void;
  reject: (error: unknown) => void;
}

/** Requests gathered during one frame, sent together: scrolling brings in several rows a frame. */
const queued = new Map<number, Waiter>();

/** The thumbnail of an image as a URL, fetched once and shared by every row that shows it. */
export function thumbnailUrl(imageId: number): Promise<string> {
  const cached = cache.get(imageId);
  if (cached) {
    cache.delete(imageId);
    cache.set(imageId, cached);
    return cached;
  }
  const loading = new Promise<string>((resolve, reject) => {
    if (queued.size === 0) requestAnimationFrame(() => void sendQueued());
    queued.set(imageId, { resolve, reject });
  });
  cache.set(imageId, loading);
  // A failed load is forgotten so the next request tries again.
  loading.catch(() => {
    if (cache.get(imageId) === loading) cache.delete(imageId);
  });
  evictOldest();
  return loading;
}

async function sendQueued(): Promise<void> {
  const waiters = [...queued];
  queued.clear();
  for (let start = 0; start < waiters.length; start += THUMBNAIL_BATCH_MAX) {
    const batch = new Map(waiters.slice(start, start + THUMBNAIL_BATCH_MAX));
    try {
      const { thumbnails } = await call('getThumbnails', { imageIds: [...batch.keys()] });
      for (const { imageId, mime, bytes } of thumbnails) {
        // A data URL, not a blob URL: creating a blob costs a round trip to the browser process, per image, on the main thread.
        batch.get(imageId)?.resolve(`data:${mime};base64,${encodeBase64(bytes)}`);
        batch.delete(imageId);
      }
      for (const [imageId, waiter] of batch) waiter.reject(new ApiError('NOT_FOUND', `Image ${imageId} does not exist.`));
    } catch (error) {
      for (const waiter of batch.values()) waiter.reject(error);
    }
  }
}

function evictOldest(): void {
  while (cache.size > CAPACITY) {
    const oldest = cache.keys().next();
    if (oldest.done) return;
    cache.delete(oldest.value);
  }
}
