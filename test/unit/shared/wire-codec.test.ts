import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '@shared/ipc/wire-codec';

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
});
