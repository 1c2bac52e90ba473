/** Limits both sides of the contract need; free of schema code so the renderer bundles no zod. */

/** Thumbnails per request: a few screens of worklist rows, so one message stays small. */
export const THUMBNAIL_BATCH_MAX = 200;
