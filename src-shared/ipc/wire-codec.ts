/**
 * JSON for the browser host's WebSocket. Requests carry binary data (uploads) as base64 under a
 * `$bytes` key; the host's messages that hold binary data (frames, thumbnails) go as one binary
 * message with the bytes outside the JSON (encodeWire), so a 7 MB radiograph is neither inflated by a
 * third nor decoded character by character. Pure TypeScript: used by the Node server and the browser
 * bridge alike.
 */
const BYTES_KEY = '$bytes';
const PART_KEY = '$part';
/** Each binary part starts at a multiple of this, so 16- and 32-bit views of it need no copy. */
const PART_ALIGN = 8;
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

/**
 * A message as the host sends it: plain JSON text when it holds no binary data, else one binary
 * message: a 4-byte little-endian length, that many bytes of JSON in which each Uint8Array is
 * {"$part": [offset, length]}, then the parts (offsets from the end of the JSON, padded to 8).
 */
export function encodeWire(value: unknown): string | Uint8Array {
  const parts: Uint8Array[] = [];
  let end = 0;
  const json = JSON.stringify(value, function (this: Record<string, unknown>, key, replaced) {
    const original = this[key];
    if (!(original instanceof Uint8Array)) return replaced;
    const offset = Math.ceil(end / PART_ALIGN) * PART_ALIGN;
    parts.push(original);
    end = offset + original.byteLength;
    return { [PART_KEY]: [offset, original.byteLength] };
  });
  if (parts.length === 0) return json;
  const text = new TextEncoder().encode(json);
  const start = Math.ceil((4 + text.byteLength) / PART_ALIGN) * PART_ALIGN;
  const out = new Uint8Array(start + end);
  new DataView(out.buffer).setUint32(0, text.byteLength, true);
  out.set(text, 4);
  let offset = 0;
  for (const part of parts) {
    offset = Math.ceil(offset / PART_ALIGN) * PART_ALIGN;
    out.set(part, start + offset);
    offset += part.byteLength;
  }
  return out;
}

/** Reads what encodeWire wrote: text as JSON (with base64 `$bytes`), binary with its parts as views of the message. */
export function decodeWire(data: string | ArrayBuffer | Uint8Array): unknown {
  if (typeof data === 'string') return decodeMessage(data);
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.byteLength < 4) throw new Error('the binary message is too short');
  const length = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  if (4 + length > bytes.byteLength) throw new Error('the binary message is cut short');
  const start = Math.ceil((4 + length) / PART_ALIGN) * PART_ALIGN;
  // A copy only when the message is not aligned in its buffer (a Node Buffer from a pool).
  const whole = (bytes.byteOffset + start) % PART_ALIGN === 0 ? bytes : bytes.slice();
  return JSON.parse(new TextDecoder().decode(whole.subarray(4, 4 + length)), (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const part = (value as Record<string, unknown>)[PART_KEY];
      if (Object.keys(value).length === 1 && Array.isArray(part) && part.length === 2) {
        const [offset, size] = part as [number, number];
        if (!Number.isInteger(offset) || !Number.isInteger(size) || offset < 0 || size < 0 || start + offset + size > whole.byteLength) {
          throw new Error('a binary part lies outside the message');
        }
        return new Uint8Array(whole.buffer, whole.byteOffset + start + offset, size);
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
