import { call } from './api';
import { objectUrlFor } from './object-url';

/** Several screens of worklist; older entries are revoked so a long list does not hold every thumbnail. */
const CAPACITY = 1500;

/** Object URLs by image id, least recently used first (a Map keeps insertion order). */
const cache = new Map<number, Promise<string>>();

/** The thumbnail of an image as an object URL, fetched once and shared by every row that shows it. */
export function thumbnailUrl(imageId: number): Promise<string> {
  const cached = cache.get(imageId);
  if (cached) {
    cache.delete(imageId);
    cache.set(imageId, cached);
    return cached;
  }
  const loading = call('getThumbnail', { imageId }).then(({ bytes, mime }) => objectUrlFor(bytes, mime));
  cache.set(imageId, loading);
  // A failed load is forgotten so the next request tries again.
  loading.catch(() => {
    if (cache.get(imageId) === loading) cache.delete(imageId);
  });
  evictOldest();
  return loading;
}

function evictOldest(): void {
  while (cache.size > CAPACITY) {
    const oldest = cache.entries().next().value;
    if (!oldest) return;
    const [imageId, url] = oldest;
    cache.delete(imageId);
    url.then(URL.revokeObjectURL, () => undefined);
  }
}
