import { describe, expect, it } from 'vitest';
import { boundaryOf, MultipartError, parseMultipartRelated } from '../../../src-main/services/dicom-network/multipart-related';

const crlf = '\r\n';
function body(boundary: string, parts: Array<{ headers: string[]; bytes: Buffer }>, close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}${crlf}${part.headers.join(crlf)}${crlf}${crlf}`, 'latin1'), part.bytes, Buffer.from(crlf, 'latin1'));
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--${crlf}`, 'latin1'));
  return Buffer.concat(chunks);
}

describe('multipart/related (WADO-RS answers)', () => {
  it('reads the boundary, quoted or not, and only from multipart/related', () => {
    expect(boundaryOf('multipart/related; type="application/dicom"; boundary=abc123')).toBe('abc123');
    expect(boundaryOf('Multipart/Related;boundary="a b:c";type=application/dicom')).toBe('a b:c');
    expect(boundaryOf('application/dicom+json')).toBeNull();
    expect(boundaryOf('multipart/related; type="application/dicom"')).toBeNull();
    expect(boundaryOf(null)).toBeNull();
  });

  it('returns each part with its headers and exact bytes, including bytes that look like line breaks and dashes', () => {
    const first = Buffer.from([0, 1, 2, 0x0d, 0x0a, 0x2d, 0x2d, 255]);
    const second = Buffer.alloc(70_000, 7);
    const parts = parseMultipartRelated(
      body('XYZ', [
        { headers: ['Content-Type: application/dicom', 'Content-Length: 8'], bytes: first },
        { headers: ['content-type: application/dicom'], bytes: second },
      ]),
      'XYZ',
    );
    expect(parts).toHaveLength(2);
    expect(parts[0]!.headers['content-type']).toBe('application/dicom');
    expect(parts[0]!.body.equals(first)).toBe(true);
    expect(parts[1]!.body.equals(second)).toBe(true);
  });

  it('reads an empty answer (no parts) and a preamble before the first boundary', () => {
    expect(parseMultipartRelated(Buffer.from('--B--\r\n'), 'B')).toEqual([]);
    const withPreamble = Buffer.concat([Buffer.from('ignored preamble\r\n'), body('B', [{ headers: ['Content-Type: application/dicom'], bytes: Buffer.from('DICM') }])]);
    expect(parseMultipartRelated(withPreamble, 'B').map((part) => part.body.toString())).toEqual(['DICM']);
  });

  it('refuses a body cut off inside a part, a missing boundary and a broken header, with the reason', () => {
    const whole = body('B', [{ headers: ['Content-Type: application/dicom'], bytes: Buffer.alloc(100, 1) }]);
    expect(() => parseMultipartRelated(whole.subarray(0, 80), 'B')).toThrow(/ends inside a part/);
    expect(() => parseMultipartRelated(Buffer.from('<html>error</html>'), 'B')).toThrow(MultipartError);
    expect(() => parseMultipartRelated(Buffer.from('--B\r\nno colon here\r\n\r\nx\r\n--B--'), 'B')).toThrow(/header has no name/);
  });
});
