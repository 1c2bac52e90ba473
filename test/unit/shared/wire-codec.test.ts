import { describe, expect, it } from 'vitest';
import { decodeMessage, decodeWire, encodeMessage, encodeWire } from '@shared/ipc/wire-codec';

describe('host wire codec', () => {
  it('carries binary data (Uint8Array and Node Buffers) through JSON unchanged', () => {
    const bytes = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff);
    const decoded = decodeMessage(encodeMessage({ a: bytes, nested: [{ b: Buffer.from([0, 255, 1]) }], s: 'x' })) as {
      a: Uint8Array;
      nested: { b: Uint8Array }[];
      s: string;
    };
    expect(decoded.a).toEqual(bytes);
    expect(Array.from(decoded.nested[0]!.b)).toEqual([0, 255, 1]);
    expect(decoded.s).toBe('x');
  });

  it('leaves ordinary objects that merely contain a $bytes key with other keys alone', () => {
    expect(decodeMessage('{"$bytes":"AAE=","other":1}')).toEqual({ $bytes: 'AAE=', other: 1 });
  });

  it('sends the host’s messages with binary data as one binary message, the bytes as aligned views of it', () => {
    const frame = new Uint8Array(7_000_001).map((_, i) => (i * 13) & 0xff);
    const palette = Uint8Array.from([1, 2, 3]);
    const message = { type: 'response', id: 4, envelope: { ok: true, value: { frame: { data: frame, palette, name: 'ü' }, list: [Buffer.from([9])] } } };
    const wire = encodeWire(message);
    expect(wire).toBeInstanceOf(Uint8Array);
    // The bytes are carried as they are: no base64 third on top.
    expect((wire as Uint8Array).byteLength).toBeLessThan(frame.byteLength + 400);
    const decoded = decodeWire(wire) as typeof message;
    const value = decoded.envelope.value;
    expect(Buffer.from(value.frame.data).equals(Buffer.from(frame))).toBe(true);
    expect(Array.from(value.frame.palette)).toEqual([1, 2, 3]);
    expect(Array.from(value.list[0]!)).toEqual([9]);
    expect(value.frame.name).toBe('ü');
    for (const part of [value.frame.data, value.frame.palette, value.list[0]!]) expect(part.byteOffset % 8).toBe(0);
    // A message without bytes stays JSON text.
    expect(encodeWire({ type: 'event', event: { n: 1 } })).toBe('{"type":"event","event":{"n":1}}');
    expect(decodeWire('{"a":1}')).toEqual({ a: 1 });
  });

  it('reads a binary message wherever it sits in its buffer, and refuses a damaged one', () => {
    const wire = encodeWire({ data: Uint8Array.from([5, 6, 7]) }) as Uint8Array;
    const shifted = new Uint8Array(wire.byteLength + 3);
    shifted.set(wire, 3);
    expect(Array.from((decodeWire(shifted.subarray(3)) as { data: Uint8Array }).data)).toEqual([5, 6, 7]);
    expect(() => decodeWire(wire.subarray(0, 2))).toThrow(/too short/);
    expect(() => decodeWire(wire.subarray(0, 10))).toThrow(/cut short/);
    expect(() => decodeWire(wire.subarray(0, wire.byteLength - 1))).toThrow(/outside the message/);
  });
});
