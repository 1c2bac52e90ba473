/**
 * Wraps image bytes from main in an object URL: for a full-size image far cheaper than a data
 * URL. Whoever creates one must revoke it when the image leaves the screen.
 */
export function objectUrlFor(bytes: Uint8Array, mime: string): string {
  // Bytes from IPC are always backed by a plain ArrayBuffer; the cast only tells TypeScript so.
  return URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }));
}
