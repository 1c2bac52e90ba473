/**
 * JSON for the browser host's WebSocket, with binary data (images) carried as base64 under a
 * `$bytes` key. Pure TypeScript: used by the Node server and the browser bridge alike.
 */
const BYTES_KEY = '$bytes';
const CHUNK = 0x8000;

export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

export function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function encodeMessage(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, replaced) {
    // `this[key]` is the value before toJSON, which turns a Node Buffer into a number array.
    const original = this[key];
    return original instanceof Uint8Array ? { [BYTES_KEY]: encodeBase64(original) } : replaced;
  });
}

export function decodeMessage(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      if (keys.length === 1 && keys[0] === BYTES_KEY && typeof record[BYTES_KEY] === 'string') {
        return decodeBase64(record[BYTES_KEY]);
      }
    }
    return value;
  });
}

/** Messages on the host's socket. */
export interface WireRequest {
  id: number;
  channel: string;
  payload: unknown;
}
export type WireMessage =
  | { type: 'response'; id: number | null; envelope: unknown }
  | { type: 'event'; event: unknown };

export const HOST_SOCKET_PATH = '/api';
