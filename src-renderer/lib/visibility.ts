import type { Action } from 'svelte/action';

const callbacks = new WeakMap<Element, () => void>();
let observer: IntersectionObserver | undefined;

/** One observer for every element: a worklist can hold thousands of rows. */
function sharedObserver(): IntersectionObserver {
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        const callback = callbacks.get(entry.target);
        stopWatching(entry.target);
        callback?.();
      }
    },
    // Start a little before the element scrolls in, so thumbnails are usually ready when seen.
    { rootMargin: '200px 0px' },
  );
  return observer;
}

function stopWatching(element: Element): void {
  callbacks.delete(element);
  observer?.unobserve(element);
}

/** Calls `onVisible` once, the first time the element comes near the visible area. */
export const whenVisible: Action<HTMLElement, () => void> = (element, onVisible) => {
  callbacks.set(element, onVisible);
  sharedObserver().observe(element);
  return { destroy: () => stopWatching(element) };
};
